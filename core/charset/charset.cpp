// Charset labels, strict and lossy decoding, guessing and encoding (see
// charset.h). The tables that matter live in glibc (CP932, EUC-JP-MS); this
// file chooses which table a label really means.
#include "core/charset/charset.h"

#include <array>
#include <cstdint>
#include <utility>

#include "core/charset/iconv_codec.h"
#include "core/node.h"

namespace mugai::charset {
namespace {

// Labels seen in Japanese mail, mapped to the table that decodes what the
// sender's software actually wrote.
constexpr std::array<std::pair<std::string_view, std::string_view>, 24> kAliases{{
    {"shift_jis", "cp932"},   {"shift-jis", "cp932"},   {"sjis", "cp932"},
    {"x-sjis", "cp932"},      {"ms_kanji", "cp932"},    {"csshiftjis", "cp932"},
    {"windows-31j", "cp932"}, {"cswindows31j", "cp932"}, {"ms932", "cp932"},
    {"x-ms-cp932", "cp932"},  {"euc-jp", "euc-jp-ms"},  {"eucjp", "euc-jp-ms"},
    {"x-euc-jp", "euc-jp-ms"}, {"x-euc", "euc-jp-ms"},  {"cseucpkdfmtjapanese", "euc-jp-ms"},
    {"csiso2022jp", "iso-2022-jp"}, {"iso-2022-jp-2", "iso-2022-jp"},
    {"iso-2022-jp-1", "iso-2022-jp"}, {"iso-2022-jp-ms", "iso-2022-jp"},
    {"iso-2022-jp-3", "iso-2022-jp"}, {"cp50220", "iso-2022-jp"}, {"cp50221", "iso-2022-jp"},
    {"utf8", "utf-8"},        {"unicode-1-1-utf-7", "utf-7"},
}};

// Characters a Mac or a JIS-table encoder writes where CP932 has its own
// code point; mapped to CP932's choice before encoding (see charset.h).
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kCp932Unify{{
    {"\u301C", "\uFF5E"},  // WAVE DASH -> FULLWIDTH TILDE (JIS 0x2141)
    {"\u2016", "\u2225"},  // DOUBLE VERTICAL LINE -> PARALLEL TO (0x2142)
    {"\u2212", "\uFF0D"},  // MINUS SIGN -> FULLWIDTH HYPHEN-MINUS (0x215D)
    {"\u00A2", "\uFFE0"},  // CENT SIGN -> FULLWIDTH CENT (0x2171)
    {"\u00A3", "\uFFE1"},  // POUND SIGN -> FULLWIDTH POUND (0x2172)
    {"\u00AC", "\uFFE2"},  // NOT SIGN -> FULLWIDTH NOT (0x224C)
}};

std::string unifyForCp932(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size();) {
    bool replaced = false;
    for (const auto& [from, to] : kCp932Unify) {
      if (utf8.substr(i, from.size()) == from) {
        out += to;
        i += from.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += utf8[i++];
  }
  return out;
}

std::string iconvName(const std::string& canon) {
  if (canon == "cp932") return "CP932";
  if (canon == "euc-jp-ms") return "EUC-JP-MS";
  if (canon == "utf-7") return "UTF-7";
  if (canon == "us-ascii") return "ASCII";
  return canon;
}

std::string_view stripBom(std::string_view s) {
  if (s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  return s;
}

}  // namespace

std::string canonical(std::string_view label) {
  while (!label.empty() && (label.front() == '"' || label.front() == ' ' || label.front() == '\t'))
    label.remove_prefix(1);
  while (!label.empty() && (label.back() == '"' || label.back() == ' ' || label.back() == '\t'))
    label.remove_suffix(1);
  std::string l = toLower(label);
  if (l.empty() || l == "ascii" || l == "us-ascii" || l == "ansi_x3.4-1968") return "us-ascii";
  for (const auto& [alias, canon] : kAliases)
    if (l == alias) return std::string(canon);
  return l;
}

int hexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::size_t nextCodePoint(std::string_view s, std::size_t i, std::uint32_t& cp) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  if (i + n > s.size()) n = 1;
  cp = n == 1 ? c : c & (0xFF >> (n + 1));
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return n;
}

bool isAscii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

std::size_t validCodePointAt(std::string_view s, std::size_t i, std::uint32_t& cp) {
  const auto c = static_cast<std::uint8_t>(s[i]);
  std::size_t n;  // continuation bytes
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) n = 1, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) n = 2, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) n = 3, cp = c & 0x07;
  else return 0;
  if (i + n >= s.size()) return 0;
  for (std::size_t k = 1; k <= n; ++k) {
    auto t = static_cast<std::uint8_t>(s[i + k]);
    if ((t & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (t & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n + 1;
}

bool isValidUtf8(std::string_view s) {
  std::uint32_t cp;
  for (std::size_t i = 0, n; i < s.size(); i += n)
    if ((n = validCodePointAt(s, i, cp)) == 0) return false;
  return true;
}

std::optional<std::string> toUtf8Strict(std::string_view bytes, std::string_view label) {
  std::string canon = canonical(label);
  if (canon == "utf-8") {
    if (!isValidUtf8(bytes)) return std::nullopt;
    return std::string(stripBom(bytes));
  }
  if (canon == "us-ascii") {
    if (!isAscii(bytes)) return std::nullopt;
    return std::string(bytes);
  }
  if (canon == "iso-2022-jp") {
    bool errors = false;
    std::string out = iso2022jpToUtf8(bytes, &errors);
    if (errors) return std::nullopt;
    return out;
  }
  return iconvConvert(bytes, iconvName(canon).c_str(), "UTF-8", true);
}

std::string toUtf8Lossy(std::string_view bytes, std::string_view label) {
  std::string canon = canonical(label);
  if (canon == "iso-2022-jp") return iso2022jpToUtf8(bytes);
  if (canon == "utf-8" || canon == "us-ascii") {
    if (isValidUtf8(bytes)) return std::string(stripBom(bytes));
    return iconvConvert(bytes, "UTF-8", "UTF-8", false).value_or("");
  }
  if (auto out = iconvConvert(bytes, iconvName(canon).c_str(), "UTF-8", false)) return *out;
  // Unknown charset: keep ASCII, mark the rest.
  return iconvConvert(bytes, "ASCII", "UTF-8", false).value_or("");
}

std::string guess(std::string_view bytes, std::string_view hint) {
  if (!hint.empty()) {
    std::string canon = canonical(hint);
    if (canon != "us-ascii" && toUtf8Strict(bytes, canon)) return canon;
  }
  if (bytes.find('\x1B') != std::string_view::npos && isAscii(bytes)) return "iso-2022-jp";
  if (isValidUtf8(bytes)) return "utf-8";
  // Shift_JIS lead bytes 0x81-0x9F (other than EUC's 0x8E/0x8F single
  // shifts) never start an EUC-JP character.
  bool sjisOnly = false;
  for (unsigned char c : bytes)
    if (c >= 0x81 && c <= 0x9F && c != 0x8E && c != 0x8F) sjisOnly = true;
  if (!sjisOnly && iconvConvert(bytes, "EUC-JP-MS", "UTF-8", true)) return "euc-jp-ms";
  return "cp932";
}

std::string decodeText(std::string_view bytes, std::string_view label) {
  std::string canon = canonical(label);
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF" && isValidUtf8(bytes)) return std::string(stripBom(bytes));
  if (auto strict = toUtf8Strict(bytes, canon)) return *strict;
  // The label is wrong or the bytes are damaged: trust the bytes' shape.
  // Valid UTF-8 of any length under another label is UTF-8 in practice.
  if (isValidUtf8(bytes)) return std::string(bytes);
  // Escape sequences mean ISO-2022-JP, even with raw Shift_JIS mixed in.
  if (canon == "iso-2022-jp" || bytes.find("\x1B$B") != std::string_view::npos) return iso2022jpToUtf8(bytes);
  std::string g = guess(bytes);
  if (auto strict = toUtf8Strict(bytes, g)) return *strict;
  return toUtf8Lossy(bytes, canon == "us-ascii" ? g : canon);
}

std::optional<std::string> fromUtf8(std::string_view utf8, std::string_view label) {
  std::string canon = canonical(label);
  if (!isValidUtf8(utf8)) return std::nullopt;
  if (canon == "utf-8") return std::string(utf8);
  if (canon == "us-ascii") return isAscii(utf8) ? std::optional<std::string>(utf8) : std::nullopt;
  if (canon == "iso-2022-jp") return utf8ToIso2022jp(unifyForCp932(utf8));
  if (canon == "cp932" || canon == "euc-jp-ms")
    return iconvConvert(unifyForCp932(utf8), "UTF-8", iconvName(canon).c_str(), true);
  return iconvConvert(utf8, "UTF-8", iconvName(canon).c_str(), true);
}

EncodedText encodeForPart(std::string_view utf8, std::string_view label) {
  std::string cs = canonical(label);
  if (cs != "utf-7")
    if (auto encoded = fromUtf8(utf8, cs)) return {std::move(*encoded), cs};
  return {std::string(utf8), "utf-8"};
}

}  // namespace mugai::charset
