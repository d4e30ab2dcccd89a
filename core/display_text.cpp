// See display_text.h.
#include "core/display_text.h"

#include <vector>

namespace mugai {
namespace {

constexpr std::uint32_t kReplacement = 0xFFFD;

// Strict UTF-8 (RFC 3629): the code point at s[i] and its length, or
// nothing when the byte does not start a valid sequence (length 0). The
// checks on the second byte (E0 A0.., ED ..9F, F0 90.., F4 ..8F) refuse
// overlong forms, surrogates and values past U+10FFFF before decoding.
std::size_t decodeStrict(std::string_view s, std::size_t i, std::uint32_t& cp) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else return 0;
  if (i + n > s.size() || b(1) < lo || b(1) > hi) return 0;
  cp = c & (0xFF >> (n + 1));
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  return n;
}

// The masked code points of `s` (see maskedText).
std::vector<std::uint32_t> maskedCodePoints(std::string_view s) {
  std::vector<std::uint32_t> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = 0;
    std::size_t n = decodeStrict(s, i, cp);
    out.push_back(n == 0 || mustNotShow(cp) ? kReplacement : cp);
    i += n == 0 ? 1 : n;
  }
  return out;
}

void appendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string encode(const std::vector<std::uint32_t>& cps, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t k = from; k < to; ++k) appendUtf8(out, cps[k]);
  return out;
}

}  // namespace

bool mustNotShow(std::uint32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return true;  // Cc
  if (cp < 0xAD) return false;                                 // fast path for ASCII and Latin-1
  return cp == 0x00AD || cp == 0x034F || cp == 0x061C || cp == 0x115F || cp == 0x1160 || cp == 0x17B4 ||
         cp == 0x17B5 || (cp >= 0x180B && cp <= 0x180F) || (cp >= 0x200B && cp <= 0x200F) ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) || cp == 0x3164 ||
         (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF || cp == 0xFFA0 || (cp >= 0xFFF0 && cp <= 0xFFFB) ||
         (cp >= 0x1BCA0 && cp <= 0x1BCA3) || (cp >= 0x1D173 && cp <= 0x1D17A) || (cp >= 0xE0000 && cp <= 0xE0FFF);
}

bool hasHiddenChars(std::string_view s, bool latin1Reading) {
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = 0;
    std::size_t n = decodeStrict(s, i, cp);
    if (n != 0 && mustNotShow(cp) && !(latin1Reading && cp >= 0x80 && cp <= 0xFF)) return true;
    i += n == 0 ? 1 : n;
  }
  return false;
}

std::string maskedText(std::string_view s) {
  auto cps = maskedCodePoints(s);
  return encode(cps, 0, cps.size());
}

std::string displayName(std::string_view s, std::size_t maxChars) {
  if (maxChars < 20) maxChars = 20;
  auto cps = maskedCodePoints(s);
  if (cps.size() <= maxChars) return encode(cps, 0, cps.size());
  // The tail: the extension Windows would act on, when there is a short
  // one; else the last few characters, which a padded name hides.
  std::size_t tail = 10;
  for (std::size_t k = cps.size() - 1, seen = 0; k > 0 && seen <= 15; --k, ++seen)
    if (cps[k] == '.') {
      tail = cps.size() - k;
      break;
    }
  std::size_t head = maxChars - 1 - tail;
  return encode(cps, 0, head) + "\u2026" + encode(cps, cps.size() - tail, cps.size());
}

std::string noticeFileText(const std::string& noticeUtf8) {
  std::string out = "\xEF\xBB\xBF";
  for (char c : noticeUtf8) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace mugai
