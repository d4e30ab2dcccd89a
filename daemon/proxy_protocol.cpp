// See proxy_protocol.h; layouts from HAProxy's proxy-protocol.txt (v1: one
// text line; v2: 12-byte signature, version/command, family, length).
#include "daemon/proxy_protocol.h"

#include <arpa/inet.h>

#include <cstring>

namespace mugai::daemon {
namespace {

constexpr char kV2Signature[12] = {'\r', '\n', '\r', '\n', '\0', '\r', '\n', 'Q', 'U', 'I', 'T', '\n'};

bool validAddress(int family, const std::string& text) {
  unsigned char buf[16];
  return inet_pton(family, text.c_str(), buf) == 1;
}

ProxyParse parseV1(std::string_view b, ProxyHeader& out) {
  std::size_t end = b.find("\r\n");
  if (end == std::string_view::npos) return b.size() >= 107 ? ProxyParse::Bad : ProxyParse::NeedMore;
  if (end > 105) return ProxyParse::Bad;  // the spec's longest line is 107 bytes with CRLF
  std::string line(b.substr(0, end));
  out.length = end + 2;
  if (line == "PROXY UNKNOWN" || line.rfind("PROXY UNKNOWN ", 0) == 0) {
    out.source.clear();
    return ProxyParse::Ok;
  }
  char proto[8], src[64], dst[64];
  unsigned sport, dport;
  if (std::sscanf(line.c_str(), "PROXY %7s %63s %63s %u %u", proto, src, dst, &sport, &dport) != 5) return ProxyParse::Bad;
  int family = std::strcmp(proto, "TCP4") == 0 ? AF_INET : std::strcmp(proto, "TCP6") == 0 ? AF_INET6 : 0;
  if (!family || !validAddress(family, src) || !validAddress(family, dst) || sport > 65535 || dport > 65535)
    return ProxyParse::Bad;
  out.source = src;
  return ProxyParse::Ok;
}

ProxyParse parseV2(std::string_view b, ProxyHeader& out) {
  if (b.size() < 16) return ProxyParse::NeedMore;
  unsigned char verCmd = static_cast<unsigned char>(b[12]), family = static_cast<unsigned char>(b[13]);
  std::size_t len = (static_cast<unsigned char>(b[14]) << 8) | static_cast<unsigned char>(b[15]);
  if ((verCmd >> 4) != 2) return ProxyParse::Bad;
  if (b.size() < 16 + len) return ProxyParse::NeedMore;
  out.length = 16 + len;
  const unsigned char* a = reinterpret_cast<const unsigned char*>(b.data() + 16);
  char text[INET6_ADDRSTRLEN] = {};
  switch (verCmd & 0x0F) {
    case 0:  // LOCAL: the balancer's own health check
      out.source.clear();
      return ProxyParse::Ok;
    case 1:  // PROXY
      break;
    default:
      return ProxyParse::Bad;
  }
  if (family == 0x11 && len >= 12) {  // TCP over IPv4: src, dst, sport, dport
    inet_ntop(AF_INET, a, text, sizeof text);
  } else if (family == 0x21 && len >= 36) {  // TCP over IPv6
    inet_ntop(AF_INET6, a, text, sizeof text);
  } else if (family == 0x00) {  // UNSPEC
    out.source.clear();
    return ProxyParse::Ok;
  } else {
    return ProxyParse::Bad;  // UDP, UNIX or short: not for SMTP
  }
  out.source = text;
  return ProxyParse::Ok;
}

}  // namespace

ProxyParse parseProxyHeader(std::string_view b, ProxyHeader& out) {
  std::size_t n = std::min(b.size(), sizeof kV2Signature);
  if (std::memcmp(b.data(), kV2Signature, n) == 0) return n < sizeof kV2Signature ? ProxyParse::NeedMore : parseV2(b, out);
  n = std::min<std::size_t>(b.size(), 6);
  if (std::memcmp(b.data(), "PROXY ", n) != 0) return ProxyParse::Bad;
  return n < 6 ? ProxyParse::NeedMore : parseV1(b, out);
}

}  // namespace mugai::daemon
