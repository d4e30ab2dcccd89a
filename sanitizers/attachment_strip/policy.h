// attachment_strip policy: which parts go, by true type and by file-name
// extension, grouped in named categories so that reports and notices say
// *why* ("executable", "script", "archive we cannot open").
//
// Trust: decisions use the true type (libmagic plus core/file_type.cpp's
// own checks) and the extension a client would act on; the declared
// Content-Type is only compared, never believed.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mugai::sanitizers::attachment_strip {

enum class Mode {
  Deny,      ///< remove what a deny category matches, and what has no known type
  Allow,     ///< keep only allowed types / extensions, remove the rest
  StripAll,  ///< remove every attachment; body text and (by policy) inline images stay
};

/// A named group of dangerous types and extensions.
struct Category {
  std::string_view name;      ///< e.g. "executable"; also in reason codes "type.executable"
  std::string_view labelEn;   ///< "an executable program"
  std::string_view labelJa;   ///< "実行ファイル"
  std::vector<std::string_view> types;       ///< true types (lower case)
  std::vector<std::string_view> extensions;  ///< without dot, lower case
};

/// Every built-in category (documented in README "attachment_strip").
const std::vector<Category>& builtinCategories();

struct Policy {
  Mode mode = Mode::Deny;
  std::set<std::string> denyCategories;   ///< names from builtinCategories(); default: all
  std::set<std::string> denyTypes;        ///< extra true types to remove
  std::set<std::string> denyExtensions;   ///< extra extensions to remove
  std::set<std::string> allowTypes;       ///< mode Allow: true types to keep
  std::set<std::string> allowExtensions;  ///< mode Allow: extensions that may go with them
  bool keepInlineImages = true;           ///< inline images (Content-ID / multipart/related)
  bool removeUnknown = true;              ///< a type libmagic cannot determine is removed
  bool removeBidiNames = true;            ///< names with bidi / invisible format characters
  bool removeTypeMismatch = false;        ///< declared vs true type disagree

  bool operator==(const Policy&) const = default;
};

/// The default policy: every category denied, unknown types removed.
Policy defaultPolicy();

/// The category a true type or extension falls in, among the denied ones,
/// or nullptr.
const Category* deniedCategory(const Policy& p, const std::string& trueType, const std::string& extension,
                               bool attachment);

}  // namespace mugai::sanitizers::attachment_strip
