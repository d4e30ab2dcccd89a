// See csv.h.
#include "core/csv.h"

#include <cstdio>
#include <string_view>

namespace mugai {

std::string csvCell(const std::string& v) {
  std::size_t lead = v.find_first_not_of(" \t\r\n");
  const std::string_view rest = lead == std::string::npos ? std::string_view() : std::string_view(v).substr(lead);
  bool formula = !rest.empty() && std::string_view("=+-@").find(rest[0]) != std::string_view::npos;
  for (std::string_view wide : {"\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D", "\xEF\xBC\xA0"})
    formula = formula || rest.substr(0, wide.size()) == wide;
  std::string out = formula ? "\"'" : "\"";
  for (unsigned char c : v) {
    if (c == '"') out += "\"\"";
    else if (c < 0x20 || c == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    } else out += static_cast<char>(c);
  }
  return out + "\"";
}

}  // namespace mugai
