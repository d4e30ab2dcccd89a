// Reading one ZIP entry's bytes under zip_scan's caps. Two readers:
//   - inflateEntry: stored and Deflate entries that are not encrypted (nearly
//     all of them), decompressed by libdeflate in one call straight from the
//     archive's bytes into one buffer of exactly the declared size. Nothing
//     past the declared size is ever produced, so the per-entry cap, the
//     ratio and the archive tree's budget are checked on the declared size
//     before a byte is allocated, and a stream that holds more or fewer
//     bytes than declared, or fails its CRC, is refused.
//   - readEntry: everything else libzip can read (encrypted entries, other
//     methods), in chunks, counting the bytes actually read, because
//     libzip 1.7.3 does not enforce declared sizes.
// Trust: the archive bytes and the entry's fields are hostile; the entry's
// offsets were checked by core/zip/layout against the buffer, and are
// checked again here. Never throws for bad input.
#pragma once

#include <zip.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/pipeline.h"
#include "core/zip/layout.h"
#include "sanitizers/zip_scan/zip_scan.h"

namespace mugai::sanitizers::zip_scan {

/// Why an entry could not be read: a finding code, English and Japanese.
struct Refusal {
  std::string code, detail, ja;
};

/// Whether inflateEntry reads `e` (stored or Deflate, not encrypted).
bool inflatesDirectly(const zip::Entry& e);

/// Checks entry `e` on its declared size before anything is inflated:
/// limit.compression_ratio (declared over compressed size, past 1 MiB),
/// limit.archive_entry_bytes, limit.decoded_bytes (the declared size is
/// charged to `ctx`). Precondition: inflatesDirectly(e).
/// @return false with `why` set when the entry must not be inflated.
[[nodiscard]] bool admitEntry(const zip::Entry& e, const Options& o, ScanContext& ctx, Refusal& why);

/// The bytes of entry `e` of `archive`, admitted by admitEntry, or nullopt
/// with `why` set: zip.size_mismatch (the stream holds more or fewer bytes
/// than declared), zip.corrupt_entry (not Deflate, CRC error, data past the
/// end). Touches no shared state: runs on any thread.
std::optional<std::string> inflateAdmitted(std::string_view archive, const zip::Entry& e, Refusal& why);

/// Entry `i` read through libzip (with `password` when it is protected),
/// counting the bytes actually read against the same caps. `aesUnverified`
/// is set when libzip 1.7.3 reported its spurious CRC error after AES-2
/// decryption and exactly the declared bytes came out.
std::optional<std::string> readEntry(zip_t* za, zip_uint64_t i, const zip::Entry& e, const Options& o,
                                     ScanContext& ctx, Refusal& why, const char* password = nullptr,
                                     bool* aesUnverified = nullptr);

}  // namespace mugai::sanitizers::zip_scan
