// See password_hash.h.
#include "core/password_hash.h"

#include <argon2.h>
#include <sys/random.h>

#include <stdexcept>
#include <vector>

namespace mugai {
namespace {

// OWASP Password Storage Cheat Sheet, Argon2id: 19 MiB, 2 iterations, 1 lane.
constexpr std::uint32_t kMemoryKiB = 19 * 1024;
constexpr std::uint32_t kIterations = 2;
constexpr std::uint32_t kLanes = 1;
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

std::size_t codePoints(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

std::string hashPassword(std::string_view password) {
  unsigned char salt[kSaltBytes];
  for (std::size_t got = 0; got < sizeof salt;) {
    const ssize_t n = ::getrandom(salt + got, sizeof salt - got, 0);
    if (n < 0) throw std::runtime_error("no random bytes for a salt");
    got += static_cast<std::size_t>(n);
  }
  const std::size_t length =
      argon2_encodedlen(kIterations, kMemoryKiB, kLanes, sizeof salt, kHashBytes, Argon2_id);
  std::vector<char> encoded(length);
  const int rc = argon2id_hash_encoded(kIterations, kMemoryKiB, kLanes, password.data(), password.size(), salt, sizeof salt,
                                       kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) throw std::runtime_error(std::string("argon2id: ") + argon2_error_message(rc));
  return std::string(encoded.data());
}

bool verifyPassword(const std::string& encoded, std::string_view password) {
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

std::string passwordProblem(std::string_view password, std::string_view user) {
  // NIST SP 800-63B / OWASP: length over composition rules; a long cap.
  if (codePoints(password) < 12) return "at least 12 characters (12 文字以上にしてください)";
  if (password.size() > 1024) return "at most 1024 bytes (1024 バイト以内にしてください)";
  if (password == user) return "not the user name (ユーザー名と同じパスワードは使えません)";
  if (password.find_first_not_of(" \t") == std::string_view::npos) return "not only blanks (空白だけのパスワードは使えません)";
  return "";
}

}  // namespace mugai
