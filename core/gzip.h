// gzip (RFC 1952) compression of whole buffers with zlib, for quarantined
// originals: an operator can read any stored object with `zcat`.
// Decompression is bounded: the caller says how many bytes may come out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mugai {

/// gzip-compresses `bytes` at `level` (0-9). Throws std::runtime_error only
/// when zlib cannot allocate.
std::string gzipCompress(std::string_view bytes, int level = 6);

/// Decompresses a gzip stream into `out`, stopping with an error past
/// `maxBytes` of output. @return "" on success, else zlib's reason.
[[nodiscard]] std::string gzipDecompress(std::string_view gz, std::string& out, std::uint64_t maxBytes);

}  // namespace mugai
