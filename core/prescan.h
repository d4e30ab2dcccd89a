// Checks run on the raw bytes before any MIME parser sees them, so that a
// hostile message cannot make the parser allocate or recurse without bound
// (1M parts cost GMime 1.4 GB; an 8 MB header line is read whole).
// Linear, allocation-light, never fails: it returns findings.
#pragma once

#include <string_view>
#include <vector>

#include "core/limits.h"
#include "core/node.h"

namespace mugai {

/// Critical findings for limits the input already breaks: message size,
/// top-level header field size and count, and an upper bound on the part
/// count (delimiter lines of every declared boundary). Empty when the input
/// may be parsed.
std::vector<Finding> prescan(std::string_view bytes, const Limits& limits);

/// Header fields of the top-level header block, split without a MIME
/// parser and truncated to the limits; used to address the notice when the
/// message itself could not be parsed.
std::vector<Header> splitTopHeaders(std::string_view bytes, const Limits& limits);

}  // namespace mugai
