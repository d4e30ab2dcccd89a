// See log_escape.h.
#include "core/log_escape.h"

#include <cstdint>

#include "core/charset/charset.h"

namespace mugai {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

void hexByte(std::string& out, unsigned char b) {
  out += "\\x";
  out += kHex[b >> 4];
  out += kHex[b & 0xF];
}

bool lineBreaking(std::uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

std::string logValue(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() + 2);
  bool quote = raw.empty();
  for (std::size_t i = 0; i < raw.size();) {
    std::uint32_t cp = 0;
    const std::size_t n = charset::validCodePointAt(raw, i, cp);
    if (n == 0) {
      hexByte(out, static_cast<unsigned char>(raw[i]));
      i += 1;
      continue;
    }
    if (cp < 0x20 || cp == 0x7F) {
      hexByte(out, static_cast<unsigned char>(cp));
    } else if (lineBreaking(cp)) {
      std::string digits;
      for (std::uint32_t v = cp; v != 0; v >>= 4) digits.insert(digits.begin(), kHex[v & 0xF]);
      while (digits.size() < 4) digits.insert(digits.begin(), '0');
      out += "\\u{" + digits + "}";
    } else if (cp == '\\') {
      out += "\\\\";
    } else if (cp == '"') {
      out += "\\\"";
      quote = true;
    } else {
      if (cp == ' ' || cp == '\'' || cp == '=') quote = true;
      out.append(raw.substr(i, n));
    }
    i += n;
  }
  return quote ? '"' + out + '"' : out;
}

}  // namespace mugai
