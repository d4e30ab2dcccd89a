// Content hashes (reports, notices, the quarantine index), keyed MACs and
// random bytes for the console's links and sessions (OpenSSL).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mugai {

/// Lower-case hex of raw bytes.
std::string toHex(std::string_view bytes);

/// Lower-case hex SHA-256 of `bytes` (OpenSSL EVP).
std::string sha256Hex(std::string_view bytes);

/// HMAC-SHA256 of `message` under `key`: 32 raw bytes.
std::string hmacSha256(std::string_view key, std::string_view message);

/// `count` bytes from OpenSSL's CSPRNG. Throws std::runtime_error when it fails.
std::string randomBytes(std::size_t count);

}  // namespace mugai
