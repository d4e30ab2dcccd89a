// libFuzzer target: any bytes as the start of a connection through the
// PROXY protocol parser (v1 text, v2 binary), whole and cut at every
// length. Beyond "no crash": a header is never longer than the bytes
// given, Ok is never answered for a prefix that later turns out Bad (the
// parser decides only on what it has), and an address it returns is one
// inet_pton reads.
#include <arpa/inet.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/proxy_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mugai::daemon;
  std::string_view all(reinterpret_cast<const char*>(data), size);
  ProxyHeader whole;
  const ProxyParse verdict = parseProxyHeader(all, whole);
  if (verdict == ProxyParse::Ok) {
    if (whole.length == 0 || whole.length > size) std::abort();
    unsigned char buf[16];
    if (!whole.source.empty() && inet_pton(AF_INET, whole.source.c_str(), buf) != 1 &&
        inet_pton(AF_INET6, whole.source.c_str(), buf) != 1)
      std::abort();
  }
  for (std::size_t n = 0; n < size && n < 256; ++n) {
    ProxyHeader part;
    const ProxyParse p = parseProxyHeader(all.substr(0, n), part);
    if (p == ProxyParse::Ok && (part.length > n || verdict != ProxyParse::Ok || part.length != whole.length ||
                                part.source != whole.source))
      std::abort();  // decided on a prefix, differently from the whole
    if (p == ProxyParse::Bad && verdict != ProxyParse::Bad) std::abort();
  }
  return 0;
}
