// PROXY protocol headers as HAProxy sends them, and the ways they break.
#include <catch2/catch_test_macros.hpp>

#include <string>

#include "daemon/proxy_protocol.h"

using namespace mugai::daemon;

namespace {

std::string v2(unsigned char verCmd, unsigned char family, const std::string& body) {
  std::string h("\r\n\r\n\0\r\nQUIT\n", 12);
  h += static_cast<char>(verCmd);
  h += static_cast<char>(family);
  h += static_cast<char>(body.size() >> 8);
  h += static_cast<char>(body.size() & 0xFF);
  return h + body;
}

}  // namespace

TEST_CASE("proxy protocol v1", "[proxy]") {
  ProxyHeader h;
  CHECK(parseProxyHeader("PROXY TCP4 192.0.2.9 198.51.100.1 56324 25\r\nEHLO x\r\n", h) == ProxyParse::Ok);
  CHECK(h.source == "192.0.2.9");
  CHECK(h.length == 44);
  CHECK(parseProxyHeader("PROXY TCP6 2001:db8::7 2001:db8::1 4000 25\r\n", h) == ProxyParse::Ok);
  CHECK(h.source == "2001:db8::7");
  CHECK(parseProxyHeader("PROXY UNKNOWN\r\n", h) == ProxyParse::Ok);
  CHECK(h.source.empty());
  CHECK(parseProxyHeader("PROXY TCP4 192.0.2.9 198.51", h) == ProxyParse::NeedMore);
  CHECK(parseProxyHeader("PRO", h) == ProxyParse::NeedMore);
  CHECK(parseProxyHeader("EHLO mx\r\n", h) == ProxyParse::Bad);
  CHECK(parseProxyHeader("PROXY TCP4 999.0.2.9 198.51.100.1 1 25\r\n", h) == ProxyParse::Bad);
  CHECK(parseProxyHeader("PROXY TCP4 192.0.2.9 198.51.100.1 70000 25\r\n", h) == ProxyParse::Bad);
  CHECK(parseProxyHeader("PROXY TCP4 " + std::string(200, '1') + "\r\n", h) == ProxyParse::Bad);
}

TEST_CASE("proxy protocol v2", "[proxy]") {
  ProxyHeader h;
  std::string ipv4("\xC0\x00\x02\x09\xC6\x33\x64\x01\xDC\x04\x00\x19", 12);
  CHECK(parseProxyHeader(v2(0x21, 0x11, ipv4) + "EHLO", h) == ProxyParse::Ok);
  CHECK(h.source == "192.0.2.9");
  CHECK(h.length == 28);
  std::string ipv6(36, '\0');
  ipv6[0] = '\x20', ipv6[1] = '\x01', ipv6[2] = '\x0d', ipv6[3] = '\xb8', ipv6[15] = '\x07';
  CHECK(parseProxyHeader(v2(0x21, 0x21, ipv6), h) == ProxyParse::Ok);
  CHECK(h.source == "2001:db8::7");
  CHECK(parseProxyHeader(v2(0x20, 0x00, ""), h) == ProxyParse::Ok);  // LOCAL: health check
  CHECK(h.source.empty());
  h.source = "stale";
  CHECK(parseProxyHeader(v2(0x21, 0x00, "") + "EHLO", h) == ProxyParse::Ok);  // PROXY with UNSPEC: no address
  CHECK(h.source.empty());
  CHECK(h.length == 16);
  h.source = "stale";
  CHECK(parseProxyHeader(v2(0x21, 0x00, std::string(12, '\x7f')), h) == ProxyParse::Ok);  // UNSPEC: the block is skipped, never read
  CHECK(h.source.empty());
  CHECK(parseProxyHeader(v2(0x21, 0x11, ipv4).substr(0, 20), h) == ProxyParse::NeedMore);
  CHECK(parseProxyHeader(v2(0x11, 0x11, ipv4), h) == ProxyParse::Bad);  // version 1 in a v2 frame
  CHECK(parseProxyHeader(v2(0x21, 0x12, ipv4), h) == ProxyParse::Bad);  // UDP
  CHECK(parseProxyHeader(v2(0x21, 0x11, ipv4.substr(0, 8)), h) == ProxyParse::Bad);  // too short for IPv4
}
