// IP networks in CIDR notation, for the address lists in the config
// (mugaid's trusted_networks and proxy_networks, the console's
// trusted_proxies).
#pragma once

#include <string>

namespace mugai {

/// An IPv4 or IPv6 network, "192.0.2.0/24" or "::1/128".
struct Network {
  bool v6 = false;
  unsigned char addr[16] = {};
  int prefix = 0;
  /// Whether `ip` (textual; an IPv4-mapped IPv6 address counts as IPv4) is in it.
  bool contains(const std::string& ip) const;
};
/// Parses "a.b.c.d/n" or "x::y/n" (no prefix = one host). False if malformed.
bool parseNetwork(const std::string& text, Network& out);

}  // namespace mugai
