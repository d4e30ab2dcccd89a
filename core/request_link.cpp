// See request_link.h.
#include "core/request_link.h"
#include "core/hash.h"

#include <openssl/crypto.h>

#include <fstream>
#include <stdexcept>

namespace mugai {
namespace {

bool unhex(const std::string& h, std::string& out) {
  auto v = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (h.size() % 2) return false;
  out.clear();
  for (std::size_t i = 0; i < h.size(); i += 2) {
    if (v(h[i]) < 0 || v(h[i + 1]) < 0) return false;
    out += static_cast<char>(v(h[i]) * 16 + v(h[i + 1]));
  }
  return true;
}

}  // namespace

std::string requestSignature(const std::string& keyHex, const std::string& id, std::int64_t until) {
  std::string key;
  if (!unhex(keyHex, key) || key.size() != 32) throw std::runtime_error("the console key is not 64 hex digits");
  return toHex(hmacSha256(key, "mugai-request-v1\n" + id + "\n" + std::to_string(until)));
}

bool validRequestSignature(const std::string& keyHex, const std::string& id, std::int64_t until, const std::string& sig) {
  const std::string expected = requestSignature(keyHex, id, until);
  return sig.size() == expected.size() && CRYPTO_memcmp(sig.data(), expected.data(), sig.size()) == 0;
}

std::string requestLink(const std::string& consoleUrl, const std::string& keyHex, const std::string& id, std::int64_t until) {
  std::string base = consoleUrl;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/request/" + id + "?until=" + std::to_string(until) + "&sig=" + requestSignature(keyHex, id, until);
}

std::string readRequestKey(const std::string& path, std::string& error) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    error = "cannot read the console key " + path + " (make one with: mugai web key)";
    return "";
  }
  std::string bytes;
  if (line.size() != 64 || !unhex(line, bytes)) {
    error = "the console key " + path + " is not 64 hex digits (make one with: mugai web key)";
    return "";
  }
  return line;
}

std::string newRequestKey() { return toHex(randomBytes(32)); }

}  // namespace mugai
