// File-name tricks that make a client show one thing and run another:
// right-to-left override, line separators, controls and other invisible
// characters (core/display_text.h's mustNotShow, the same set the notice
// masks), double
// extensions, trailing dots and spaces (Windows drops them), very long
// names (the real extension scrolls out of view).
#pragma once

#include <string>
#include <vector>

namespace mugai::sanitizers::attachment_strip {

struct NameFinding {
  std::string code;    ///< "name.bidi", "name.double_extension", ...
  std::string detail;  ///< English
};

/// The extension Windows would act on: the last one, lower case, after
/// stripping trailing dots and spaces; "" if none.
std::string effectiveExtension(const std::string& utf8Name);

/// Every trick found in the name (empty for a plain name).
std::vector<NameFinding> checkName(const std::string& utf8Name);

}  // namespace mugai::sanitizers::attachment_strip
