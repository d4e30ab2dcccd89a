// ASCII case helpers (header names, media types, extensions), shared by
// the parser side and the parent side (charsets, SMTP addresses).
#pragma once

#include <string>
#include <string_view>

namespace mugai {

bool equalsIgnoreCase(std::string_view a, std::string_view b);
/// Whether `s` starts with `prefix`, ASCII case ignored.
bool startsWithIgnoreCase(std::string_view s, std::string_view prefix);
std::string toLower(std::string_view s);

}  // namespace mugai
