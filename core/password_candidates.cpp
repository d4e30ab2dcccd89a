// See password_candidates.h.
#include "core/password_candidates.h"

#include <algorithm>
#include <array>

namespace mugai {
namespace {

constexpr std::array<std::string_view, 12> kKeywords{
    "パスワード", "ﾊﾟｽﾜｰﾄﾞ", "暗証番号", "解凍キー", "解凍パス", "password", "Password", "PASSWORD",
    "passwd", "PW", "Pass", "pass"};

bool tokenChar(unsigned char c) { return c > 0x20 && c < 0x7F; }

// Brackets and quotes that wrap a password: ASCII and full-width.
std::string_view stripWrapping(std::string_view t) {
  static constexpr std::string_view kOpen[] = {"\"", "'", "(", "<", "[", "「", "『", "【", "（", "＜", "“"};
  static constexpr std::string_view kClose[] = {"\"", "'", ")", ">", "]", "」", "』", "】", "）", "＞", "”", ".", ",", "。", "、"};
  for (bool changed = true; changed;) {
    changed = false;
    for (auto o : kOpen)
      if (t.substr(0, o.size()) == o) t.remove_prefix(o.size()), changed = true;
    for (auto c : kClose)
      if (t.size() >= c.size() && t.substr(t.size() - c.size()) == c) t.remove_suffix(c.size()), changed = true;
  }
  return t;
}

// The first ASCII token in `s` after separators (blanks, ':', '：', 'は', '=', brackets).
std::string firstToken(std::string_view s) {
  static constexpr std::string_view kSeparators[] = {" ", "\t", ":", "：", "は", "=", "＝", "　", "「", "【", "『", "（", "(",
                                                     "\"", "'", "】", "」", "』", "）", ")"};
  for (bool changed = true; changed && !s.empty();) {
    changed = false;
    for (auto sep : kSeparators)
      if (s.substr(0, sep.size()) == sep) s.remove_prefix(sep.size()), changed = true;
  }
  std::size_t n = 0;
  while (n < s.size() && tokenChar(static_cast<unsigned char>(s[n]))) ++n;
  std::string_view t = stripWrapping(s.substr(0, n));
  if (t.size() < 4 || t.size() > 64) return "";
  return std::string(t);
}

}  // namespace

std::vector<std::string> passwordCandidates(std::string_view text) {
  std::vector<std::string> out;
  auto add = [&](std::string t) {
    if (!t.empty() && out.size() < 20 && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(std::move(t));
  };
  std::vector<std::string_view> lines;
  for (std::size_t i = 0; i <= text.size();) {
    std::size_t nl = text.find('\n', i);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view l = text.substr(i, nl - i);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    lines.push_back(l);
    i = nl + 1;
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    for (auto k : kKeywords) {
      std::size_t at = lines[i].find(k);
      if (at == std::string_view::npos) continue;
      std::string_view rest = lines[i].substr(at + k.size());
      // Skip the rest of a Japanese phrase ("パスワードをお送りします：xxx").
      std::size_t sep = rest.find_first_of(":=");
      std::size_t jsep = std::min(rest.find("："), rest.find("＝"));
      std::string token = firstToken(rest);
      if (token.empty() && sep != std::string_view::npos) token = firstToken(rest.substr(sep + 1));
      if (token.empty() && jsep != std::string_view::npos) token = firstToken(rest.substr(jsep + 3));
      if (token.empty() && i + 1 < lines.size()) token = firstToken(lines[i + 1]);
      add(std::move(token));
      break;
    }
  }
  return out;
}

}  // namespace mugai
