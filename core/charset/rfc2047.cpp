// See rfc2047.h.
#include "core/charset/rfc2047.h"

#include <cctype>
#include <cstdint>
#include <optional>

#include "core/charset/charset.h"
#include "core/node.h"

namespace mugai::charset {
namespace {

struct EncodedWord {
  std::size_t begin = 0, end = 0;  // [begin, end) in the unfolded value
  std::string charset;             // canonical
  std::string bytes;               // transfer-decoded, still in charset
};

std::string decodeQ(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '_') {
      out += ' ';
    } else if (in[i] == '=' && i + 2 < in.size() && hexDigitValue(in[i + 1]) >= 0 && hexDigitValue(in[i + 2]) >= 0) {
      out += static_cast<char>(hexDigitValue(in[i + 1]) * 16 + hexDigitValue(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

// Parses "=?charset?e?text?=" at `pos`. RFC 2231 section 5 allows
// "charset*lang"; the language is dropped.
// Scans forward only until the first '?' or blank, so a value full of
// unclosed "=?c?B?..." costs linear time, not quadratic.
std::optional<EncodedWord> parseWord(std::string_view s, std::size_t pos) {
  if (s.substr(pos, 2) != "=?") return std::nullopt;
  auto isBlank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  std::size_t q1 = pos + 2;
  while (q1 < s.size() && s[q1] != '?' && !isBlank(s[q1]) && s[q1] != '"') ++q1;
  if (q1 == pos + 2 || q1 + 2 >= s.size() || s[q1] != '?' || s[q1 + 2] != '?') return std::nullopt;
  std::string_view cs = s.substr(pos + 2, q1 - pos - 2);
  char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(s[q1 + 1])));
  if (enc != 'B' && enc != 'Q') return std::nullopt;
  std::size_t textBegin = q1 + 3;
  std::size_t close = textBegin;
  while (close < s.size() && s[close] != '?' && !isBlank(s[close])) ++close;
  if (close + 1 >= s.size() || s[close] != '?' || s[close + 1] != '=') return std::nullopt;
  std::string_view text = s.substr(textBegin, close - textBegin);
  if (auto star = cs.find('*'); star != std::string_view::npos) cs = cs.substr(0, star);
  EncodedWord w;
  w.begin = pos;
  w.end = close + 2;
  w.charset = canonical(cs);
  w.bytes = enc == 'B' ? decodeBase64Lenient(text) : decodeQ(text);
  return w;
}

bool onlyWhitespace(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

void appendRaw(std::string& out, std::string_view raw, std::string_view hint) {
  if (raw.empty()) return;
  if (isAscii(raw) && raw.find('\x1B') == std::string_view::npos) {
    out += raw;
    return;
  }
  out += toUtf8Lossy(raw, guess(raw, hint));
}

}  // namespace

std::string unfold(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') continue;
    if (raw[i] == '\n') continue;
    out += raw[i];
  }
  return out;
}

std::string decodeBase64Lenient(std::string_view in) {
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    int v;
    if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
    else if (ch == '+') v = 62;
    else if (ch == '/') v = 63;
    else if (ch == '=') break;
    else continue;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::string decodeHeader(std::string_view raw, std::string_view hint) {
  const std::string s = unfold(raw);
  std::string out;
  std::size_t pos = 0;      // start of text not yet emitted
  std::size_t scan = 0;
  std::optional<EncodedWord> group;  // adjacent words of one charset, joined
  bool afterWord = false;            // `pos` is right after an encoded word
  auto flushGroup = [&] {
    if (group) out += toUtf8Lossy(group->bytes, group->charset);
    group.reset();
  };
  while (scan < s.size()) {
    std::size_t at = s.find("=?", scan);
    if (at == std::string::npos) break;
    auto word = parseWord(s, at);
    if (!word) {
      scan = at + 2;
      continue;
    }
    const std::size_t wordEnd = word->end;
    std::string_view between(s.data() + pos, at - pos);
    if (group && onlyWhitespace(between) && group->charset == word->charset) {
      group->bytes += word->bytes;  // joined before conversion: split characters survive
    } else {
      flushGroup();
      // Whitespace between two encoded words is dropped (RFC 2047 6.2).
      if (!(afterWord && onlyWhitespace(between))) appendRaw(out, between, hint);
      group = std::move(word);
    }
    pos = scan = wordEnd;
    afterWord = true;
  }
  flushGroup();
  appendRaw(out, std::string_view(s).substr(pos), hint);
  return out;
}

}  // namespace mugai::charset
