// See ids.h.
#include "core/ids.h"

#include <openssl/rand.h>

#include <stdexcept>

#include "core/hash.h"

namespace mugai {

std::string newId() {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("OpenSSL: RAND_bytes failed");
  return toHex(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

bool validId(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace mugai
