// See header_params.h.
#include "core/charset/header_params.h"

#include <cstdint>
#include <cstdlib>

#include "core/charset/charset.h"
#include "core/charset/rfc2047.h"
#include "core/node.h"

namespace mugai::charset {
namespace {

struct RawParam {
  std::string name;   // lower case, without "*" / "*N*"
  int section = -1;   // -1: not a continuation
  bool extended = false;  // "name*" or "name*N*": charset'lang'%XX form
  std::string value;  // raw bytes, quotes removed
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool isSjisLead(unsigned char c) { return (c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC); }

// Reads a quoted string starting after the opening quote. When the value is
// Shift_JIS, a lead byte and its trail byte are taken as a pair, so a 0x5C
// trail byte (表, ソ, 能 ...) is never taken for an escaping backslash.
std::size_t readQuoted(std::string_view s, std::size_t i, bool sjis, std::string& out) {
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (sjis && isSjisLead(c) && i + 1 < s.size()) {
      out += s.substr(i, 2);
      i += 2;
    } else if (c == '\\' && i + 1 < s.size()) {
      out += s[i + 1];
      i += 2;
    } else if (c == '"') {
      return i + 1;
    } else {
      out += static_cast<char>(c);
      ++i;
    }
  }
  return i;  // unterminated: take the rest
}

void splitName(std::string name, RawParam& p) {
  if (!name.empty() && name.back() == '*') {
    p.extended = true;
    name.pop_back();
  }
  if (auto star = name.rfind('*'); star != std::string::npos) {
    std::string_view num = std::string_view(name).substr(star + 1);
    bool digits = !num.empty() && num.size() < 5;
    for (char c : num) digits = digits && c >= '0' && c <= '9';
    if (digits) {
      p.section = std::atoi(std::string(num).c_str());
      name.resize(star);
    }
  }
  p.name = std::move(name);
}

std::string percentDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexDigitValue(s[i + 1]) >= 0 &&
        hexDigitValue(s[i + 2]) >= 0) {
      out += static_cast<char>(hexDigitValue(s[i + 1]) * 16 + hexDigitValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string decodePlain(std::string_view v, std::string_view hint) {
  if (v.find("=?") != std::string_view::npos) return decodeHeader(v, hint);
  if (isAscii(v) && v.find('\x1B') == std::string_view::npos) return std::string(v);
  return toUtf8Lossy(v, guess(v, hint));
}

// Joins RFC 2231 sections of one parameter: "cs'lang'" from section 0, the
// raw text of all sections concatenated, then one percent-decode and one
// charset conversion.
std::string joinExtended(std::map<int, RawParam>& sections, std::string_view hint,
                         std::vector<std::string>& problems) {
  std::string charset, raw;
  bool anyExtended = false;
  int expect = 0;
  for (auto& [n, p] : sections) {
    if (n != expect) problems.push_back("rfc2231.missing_section");
    expect = n + 1;
    std::string_view v = p.value;
    if (p.extended) {
      anyExtended = true;
      if (n == sections.begin()->first) {
        auto q1 = v.find('\'');
        auto q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
        if (q2 != std::string_view::npos) {
          charset = canonical(v.substr(0, q1));
          v = v.substr(q2 + 1);
        }
      }
      // A section ending inside a %XX escape violates RFC 2231 but is joined anyway.
      auto pct = v.rfind('%');
      if (pct != std::string_view::npos && v.size() - pct < 3) problems.push_back("rfc2231.split_escape");
      raw += v;
    } else {
      // Literal sections are percent-encoded here so one decode handles all.
      for (char c : v) {
        if (c == '%') raw += "%25";
        else raw += c;
      }
    }
  }
  if (!anyExtended) return decodePlain(raw, hint);
  std::string bytes = percentDecode(raw);
  if (charset.empty()) return toUtf8Lossy(bytes, guess(bytes, hint));
  if (auto strict = toUtf8Strict(bytes, charset)) return *strict;
  problems.push_back("rfc2231.bad_charset_bytes");
  return toUtf8Lossy(bytes, charset);
}

}  // namespace

StructuredField parseStructured(std::string_view rawValue, std::string_view hint) {
  StructuredField out;
  const std::string s = unfold(rawValue);
  const bool sjis = !isValidUtf8(s) && guess(s, hint) == "cp932";
  std::size_t semi = s.find(';');
  out.value = toLower(trim(std::string_view(s).substr(0, semi)));
  std::vector<RawParam> raws;
  std::size_t i = semi == std::string::npos ? s.size() : semi + 1;
  while (i < s.size()) {
    std::size_t eq = s.find_first_of("=;", i);
    if (eq == std::string::npos || s[eq] == ';') {
      if (!trim(std::string_view(s).substr(i, eq - i)).empty()) out.problems.push_back("param.no_value");
      i = eq == std::string::npos ? s.size() : eq + 1;
      continue;
    }
    RawParam p;
    splitName(toLower(trim(std::string_view(s).substr(i, eq - i))), p);
    std::size_t v = eq + 1;
    while (v < s.size() && (s[v] == ' ' || s[v] == '\t')) ++v;
    if (v < s.size() && s[v] == '"') {
      v = readQuoted(s, v + 1, sjis, p.value);
      std::size_t next = s.find(';', v);
      i = next == std::string::npos ? s.size() : next + 1;
    } else {
      std::size_t next = s.find(';', v);
      p.value = std::string(trim(std::string_view(s).substr(v, next == std::string::npos ? std::string::npos : next - v)));
      i = next == std::string::npos ? s.size() : next + 1;
    }
    if (!p.name.empty()) raws.push_back(std::move(p));
  }

  // Group by name: plain values, and RFC 2231 sections. Where a name has
  // both a plain and an RFC 2231 form, RFC 2231 wins (RFC 2231 section 4.1
  // clients prefer it) and the disagreement is reported.
  std::map<std::string, std::map<int, RawParam>> extended;
  std::map<std::string, std::string> plain;
  for (auto& p : raws) {
    if (p.section >= 0 || p.extended) {
      int n = p.section < 0 ? 0 : p.section;
      auto& secs = extended[p.name];
      if (secs.count(n)) out.problems.push_back("param.duplicate:" + p.name);
      else secs.emplace(n, std::move(p));
    } else {
      if (plain.count(p.name)) {
        out.problems.push_back("param.duplicate:" + p.name);
        continue;  // first occurrence wins, as in GMime
      }
      plain.emplace(p.name, decodePlain(p.value, hint));
    }
  }
  for (auto& [name, secs] : extended) {
    std::string v = joinExtended(secs, hint, out.problems);
    if (auto it = plain.find(name); it != plain.end() && it->second != v)
      out.problems.push_back("param.plain_and_extended_differ:" + name);
    out.params[name] = std::move(v);
  }
  for (auto& [name, v] : plain) out.params.emplace(name, std::move(v));
  return out;
}

}  // namespace mugai::charset
