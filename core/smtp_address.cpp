// See smtp_address.h. The grammar is RFC 5321 4.1.2; bytes >= 0x80 are
// accepted where RFC 6531 allows UTF-8 (atext and U-labels) and are never
// interpreted.
#include "core/smtp_address.h"

#include <arpa/inet.h>

#include "core/charset/charset.h"

namespace mugai {
namespace {

bool isAlnum(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// atext of RFC 5322 3.2.3, plus UTF-8 (RFC 6531 3.3).
bool isAtext(unsigned char c) {
  if (isAlnum(c) || c >= 0x80) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '/':
    case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}': case '~':
      return true;
    default:
      return false;
  }
}

// Dot-string: Atom *("." Atom), no empty atom.
bool validDotString(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '.') {
      if (s[i - 1] == '.') return false;
    } else if (!isAtext(c)) {
      return false;
    }
  }
  return true;
}

// Quoted-string: DQUOTE *(qtextSMTP / quoted-pairSMTP) DQUOTE, qtext being
// printable ASCII but '"' and '\' (and UTF-8); quoted-pair is '\' + printable.
bool validQuotedString(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      if (i + 2 >= s.size()) return false;  // a backslash cannot quote the closing DQUOTE
      const auto n = static_cast<unsigned char>(s[++i]);
      if (n < 0x20 || n > 0x7E) return false;
    } else if (c == '"' || c < 0x20 || c == 0x7F || c == ' ' || c == '<' || c == '>') {
      return false;  // no space or angle bracket even quoted: a path must survive naive parsers
    }
  }
  return true;
}

// sub-domain = Let-dig [Ldh-str]: letters, digits and inner hyphens; UTF-8
// bytes for U-labels. 1..63 octets.
bool validLabel(std::string_view l) {
  if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
  for (unsigned char c : l)
    if (!isAlnum(c) && c != '-' && c < 0x80) return false;
  return true;
}

bool validDomain(std::string_view d) {
  if (d.empty() || d.size() > 253) return false;
  for (std::size_t start = 0;;) {
    const std::size_t dot = d.find('.', start);
    if (!validLabel(d.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// address-literal = "[" ( IPv4-address-literal / IPv6-address-literal ) "]".
// The general form (a registered tag) has no registered tags: refused.
bool validAddressLiteral(std::string_view d) {
  if (d.size() < 3 || d.front() != '[' || d.back() != ']') return false;
  std::string inner(d.substr(1, d.size() - 2));
  unsigned char buf[16];
  if (inner.rfind("IPv6:", 0) == 0) return inet_pton(AF_INET6, inner.c_str() + 5, buf) == 1;
  return inet_pton(AF_INET, inner.c_str(), buf) == 1;
}

// The '@' between local part and domain: after a quoted local part, the
// first '@' past its closing quote; else the last '@' (so "a@b@c" has the
// local part "a@b", which then fails the Dot-string grammar).
std::size_t splitAt(std::string_view m) {
  if (!m.empty() && m.front() == '"') {
    for (std::size_t i = 1; i < m.size(); ++i) {
      if (m[i] == '\\') ++i;
      else if (m[i] == '"') return i + 1 < m.size() && m[i + 1] == '@' ? i + 1 : std::string_view::npos;
    }
    return std::string_view::npos;
  }
  return m.rfind('@');
}

}  // namespace

bool hasControlBytes(std::string_view text) {
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7F) return true;
  return false;
}

bool validMailbox(std::string_view m) {
  if (m.empty() || m.size() > kMaxPathOctets || !charset::isValidUtf8(m)) return false;
  const std::size_t at = splitAt(m);
  if (at == std::string_view::npos || at == 0 || at + 1 >= m.size()) return false;
  const std::string_view local = m.substr(0, at), domain = m.substr(at + 1);
  if (local.size() > 64) return false;  // RFC 5321 4.5.3.1.1
  const bool localOk = local.front() == '"' ? validQuotedString(local) : validDotString(local);
  return localOk && (domain.front() == '[' ? validAddressLiteral(domain) : validDomain(domain));
}

EnvelopePath parseEnvelopePath(std::string_view path) {
  EnvelopePath p;
  if (!path.empty() && path.front() == '@') {
    // A-d-l ":" Mailbox, A-d-l = At-domain *( "," At-domain )
    const std::size_t colon = path.find(':');
    if (colon == std::string_view::npos) return p;
    std::string_view route = path.substr(0, colon);
    for (std::size_t start = 0;;) {
      const std::size_t comma = route.find(',', start);
      std::string_view hop = route.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      if (hop.size() < 2 || hop.front() != '@' || !validDomain(hop.substr(1))) return p;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    p.sourceRoute = true;
    path.remove_prefix(colon + 1);
  }
  p.valid = validMailbox(path);
  if (p.valid) p.mailbox = std::string(path);
  return p;
}

bool hasSenderRouting(std::string_view mailbox) {
  const std::size_t at = splitAt(mailbox);
  const std::string_view local = mailbox.substr(0, at == std::string_view::npos ? mailbox.size() : at);
  if (local.find_first_of("%!@") != std::string_view::npos) return true;
  // Their fullwidth forms (U+FF05, U+FF01, U+FF20) too: a next hop that
  // normalises (NFKC) would read them as the ASCII ones.
  for (std::string_view wide : {"\xEF\xBC\x85", "\xEF\xBC\x81", "\xEF\xBC\xA0", "\xEF\xB9\xAA", "\xEF\xB9\xAB"})
    if (local.find(wide) != std::string_view::npos) return true;
  return false;
}

}  // namespace mugai
