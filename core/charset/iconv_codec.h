// Thin iconv wrapper for the charset layer. One iconv_t per (from, to) pair
// and thread, cached, because iconv descriptors are not thread-safe and
// iconv_open is costly on the hot path.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mugai::charset {

/// Converts with glibc iconv. strict: nullopt on any invalid or
/// unconvertible sequence. Lossy (strict = false): each bad input byte
/// becomes U+FFFD (target must then be UTF-8). nullopt if iconv does not
/// know the pair.
std::optional<std::string> iconvConvert(std::string_view in, const char* from, const char* to,
                                        bool strict);

}  // namespace mugai::charset
