// See url_defang.h.
#include "core/url_defang.h"

#include <idn2.h>

#include <cctype>
#include <cstdlib>

#include "core/node.h"

namespace mugai {
namespace {

std::string_view trimLeadingJunk(std::string_view u) {
  // Browsers skip leading C0 controls and spaces ("\x01javascript:"), and
  // ignore tabs and newlines inside the scheme ("java\tscript:").
  while (!u.empty() && static_cast<unsigned char>(u.front()) <= 0x20) u.remove_prefix(1);
  return u;
}

std::string schemeOf(std::string_view u) {
  std::string scheme;
  for (char c : trimLeadingJunk(u)) {
    if (c == '\t' || c == '\n' || c == '\r') continue;
    if (c == ':') return toLower(scheme);
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
          c == '.'))
      return "";
    scheme += c;
  }
  return "";
}

// Host written both ways when it is an IDN: "例え.テスト (xn--r8jz45g.xn--zckzah)".
std::string showHost(const std::string& host) {
  bool ascii = true;
  for (unsigned char c : host) ascii = ascii && c < 0x80;
  std::string lower = toLower(host);
  char* converted = nullptr;
  std::string both = host;
  if (ascii && (lower.rfind("xn--", 0) == 0 || lower.find(".xn--") != std::string::npos)) {
    if (idn2_to_unicode_8z8z(lower.c_str(), &converted, 0) == IDN2_OK && converted) both = std::string(converted) + " (" + host + ")";
  } else if (!ascii) {
    if (idn2_to_ascii_8z(host.c_str(), &converted, IDN2_NONTRANSITIONAL) == IDN2_OK && converted)
      both = host + " (" + converted + ")";
  }
  std::free(converted);
  return both;
}

std::string bracketDots(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '.') out += "[.]";
    else out += c;
  }
  return out;
}

}  // namespace

std::optional<UrlMode> urlModeFromName(std::string_view name) {
  if (name == "defang") return UrlMode::Defang;
  if (name == "leave") return UrlMode::Leave;
  if (name == "remove") return UrlMode::Remove;
  return std::nullopt;
}

bool isDangerousUrl(std::string_view url) {
  std::string s = schemeOf(url);
  return s == "javascript" || s == "vbscript" || s == "data" || s == "file" || s == "livescript" || s == "mocha";
}

std::string neutraliseUrl(std::string_view url, UrlMode mode) {
  if (isDangerousUrl(url)) return "(無効化したリンク / disabled link: " + schemeOf(url) + ":)";
  if (mode == UrlMode::Remove) return "(URL 削除 / URL removed)";
  if (mode == UrlMode::Leave) return std::string(url);
  std::string u(trimLeadingJunk(url));
  std::string scheme = schemeOf(u);
  std::string rest = u;
  std::string shownScheme;
  if (!scheme.empty()) {
    rest = u.substr(u.find(':') + 1);
    shownScheme = scheme == "http" ? "hxxp" : scheme == "https" ? "hxxps" : scheme == "ftp" ? "fxp" : scheme;
    shownScheme += ":";
  }
  if (rest.rfind("//", 0) != 0) return shownScheme + bracketDots(rest);  // mailto:, tel:, bare host
  std::string_view r(rest);
  r.remove_prefix(2);
  std::size_t end = r.find_first_of("/?#");
  std::string authority(r.substr(0, end));
  std::string tail(end == std::string_view::npos ? "" : r.substr(end));
  // user:password@host:port — the host is what deceives.
  std::string userinfo;
  if (auto at = authority.rfind('@'); at != std::string::npos) {
    userinfo = authority.substr(0, at + 1);
    authority.erase(0, at + 1);
  }
  std::string port;
  if (auto colon = authority.rfind(':'); colon != std::string::npos && authority.find(']') == std::string::npos) {
    port = authority.substr(colon);
    authority.resize(colon);
  }
  return shownScheme + "//" + bracketDots(userinfo) + bracketDots(showHost(authority)) + port + tail;
}

std::string neutraliseUrlsInText(std::string_view text, UrlMode mode) {
  if (mode == UrlMode::Leave) return std::string(text);
  std::string out;
  std::size_t i = 0;
  auto startsCi = [&](std::size_t at, std::string_view p) {
    return text.size() - at >= p.size() && equalsIgnoreCase(text.substr(at, p.size()), p);
  };
  while (i < text.size()) {
    bool wordStart = i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1]));
    std::size_t len = 0;
    if (wordStart && (startsCi(i, "http://") || startsCi(i, "https://") || startsCi(i, "ftp://") ||
                      startsCi(i, "www."))) {
      // A URL runs to whitespace, a quote or an angle bracket (RFC 3986
      // appendix C), or to full-width punctuation in Japanese text.
      while (i + len < text.size()) {
        unsigned char c = static_cast<unsigned char>(text[i + len]);
        if (c <= 0x20 || c == '"' || c == '<' || c == '>' || c == '\'' || c == 0x7F) break;
        if (c == 0xE3 && i + len + 2 < text.size() && static_cast<unsigned char>(text[i + len + 1]) == 0x80) break;  // 、。「」
        if (c == 0xEF && i + len + 1 < text.size() && static_cast<unsigned char>(text[i + len + 1]) == 0xBC) break;  // （）！
        ++len;
      }
      while (len > 0 && (text[i + len - 1] == '.' || text[i + len - 1] == ',' || text[i + len - 1] == ')')) --len;
    }
    if (len > 4) {
      std::string_view url = text.substr(i, len);
      out += startsCi(i, "www.") ? bracketDots(url) : neutraliseUrl(url, mode);
      i += len;
    } else {
      out += text[i++];
    }
  }
  return out;
}

}  // namespace mugai
