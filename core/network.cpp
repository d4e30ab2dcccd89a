// See network.h.
#include "core/network.h"

#include <arpa/inet.h>

namespace mugai {

bool parseNetwork(const std::string& text, Network& out) {
  std::string addr = text;
  int prefix = -1;
  if (std::size_t slash = text.find('/'); slash != std::string::npos) {
    addr = text.substr(0, slash);
    std::string p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos) return false;
    prefix = std::stoi(p);
  }
  out = Network{};
  if (inet_pton(AF_INET, addr.c_str(), out.addr) == 1) {
    out.v6 = false;
    out.prefix = prefix < 0 ? 32 : prefix;
    return out.prefix <= 32;
  }
  if (inet_pton(AF_INET6, addr.c_str(), out.addr) == 1) {
    out.v6 = true;
    out.prefix = prefix < 0 ? 128 : prefix;
    return out.prefix <= 128;
  }
  return false;
}

bool Network::contains(const std::string& ip) const {
  unsigned char a[16] = {};
  std::string host = ip;
  if (host.rfind("::ffff:", 0) == 0 && !v6) host = host.substr(7);  // IPv4-mapped client on a v6 socket
  if (inet_pton(v6 ? AF_INET6 : AF_INET, host.c_str(), a) != 1) return false;
  for (int bit = 0; bit < prefix; ++bit) {
    int byte = bit / 8, mask = 0x80 >> (bit % 8);
    if ((a[byte] & mask) != (addr[byte] & mask)) return false;
  }
  return true;
}

}  // namespace mugai
