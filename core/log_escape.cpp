// See log_escape.h.
#include "core/log_escape.h"

#include <cstdint>

namespace mugai {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

void hexByte(std::string& out, unsigned char b) {
  out += "\\x";
  out += kHex[b >> 4];
  out += kHex[b & 0xF];
}

// Length of the valid UTF-8 sequence at s[i] and its code point, or 0 when
// the bytes there are not valid UTF-8 (RFC 3629 section 4: no overlong
// forms, no surrogates, nothing past U+10FFFF). Reads only inside `s`.
std::size_t utf8At(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  std::size_t n;
  char32_t min;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    n = 2, min = 0x80, cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, min = 0x800, cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, min = 0x10000, cp = c & 0x07;
  } else {
    return 0;  // a continuation byte or 0xF8..0xFF where a sequence should start
  }
  if (s.size() - i < n) return 0;  // cut short
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

bool lineBreaking(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

std::string logValue(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() + 2);
  bool quote = raw.empty();
  for (std::size_t i = 0; i < raw.size();) {
    char32_t cp = 0;
    const std::size_t n = utf8At(raw, i, cp);
    if (n == 0) {
      hexByte(out, static_cast<unsigned char>(raw[i]));
      i += 1;
      continue;
    }
    if (cp < 0x20 || cp == 0x7F) {
      hexByte(out, static_cast<unsigned char>(cp));
    } else if (lineBreaking(cp)) {
      std::string digits;
      for (char32_t v = cp; v != 0; v >>= 4) digits.insert(digits.begin(), kHex[v & 0xF]);
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
