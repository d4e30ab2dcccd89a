// Content hashes for reports, notices and (later) the quarantine index.
#pragma once

#include <string>
#include <string_view>

namespace mugai {

/// Lower-case hex of raw bytes.
std::string toHex(std::string_view bytes);

/// Lower-case hex SHA-256 of `bytes` (OpenSSL EVP).
std::string sha256Hex(std::string_view bytes);

}  // namespace mugai
