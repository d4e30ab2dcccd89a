// The PROXY protocol (HAProxy, versions 1 and 2) on an SMTP listener behind
// a TCP load balancer: the balancer's first bytes say who the real client
// is, and mugaid uses that address for relay control and logs. Parsed from
// the first bytes of a connection; anything malformed ends it. Only
// connections from `proxy_networks` may send it (anyone else could claim
// any address). Never throws; reads at most 536 bytes (v1) or 16 + 65535 (v2).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mugai::daemon {

enum class ProxyParse { NeedMore, Ok, Bad };

struct ProxyHeader {
  std::string source;  ///< the client's address; "" for LOCAL / UNKNOWN (use the connection's)
  std::size_t length = 0;  ///< bytes the header took
};

/// Parses a v1 or v2 header at the start of `bytes`.
ProxyParse parseProxyHeader(std::string_view bytes, ProxyHeader& out);

}  // namespace mugai::daemon
