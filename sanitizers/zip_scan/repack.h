// Writing the cleaned archive. We write it ourselves, front to back into
// one buffer reserved at its final size: an entry kept as it is gets its
// compressed bytes copied straight from the original (the bytes we
// inflated and checked, CRC included); new content (notices, replaced
// entries) is deflated with libdeflate. Every entry gets a UTF-8 name with
// the UTF-8 flag, a regular file's mode (no symlink or executable bits from
// the sender), no extra fields, no comment and no encryption; ZIP64
// records only when sizes, offsets or the count need them. (libzip's
// writer moved each kept entry through 8 KiB reads and its own buffer
// fragments: a fifth of the scan of a 260 MB archive.)
// Trust: `files` holds only what the pipeline kept or made, with names
// already cleaned by zip_scan (no traversal) and entries whose offsets
// core/zip/layout checked. Never throws but std::bad_alloc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/zip/layout.h"

namespace mugai::sanitizers::zip_scan {

struct PackedFile {
  std::string name;                    ///< UTF-8
  const std::string* bytes = nullptr;  ///< new content, when `copyFrom` is null
  /// An entry of the original kept as it is: its compressed data, method,
  /// CRC and sizes are copied. Must not be encrypted.
  const zip::Entry* copyFrom = nullptr;
  std::uint16_t dosTime = 0, dosDate = 0;  ///< modification time; both 0 = now
  bool store = false;                  ///< new content written without compression
};

/// The new archive holding `files` in order; `original` is the archive the
/// copyFrom entries point into. nullopt with `error` set when an entry's
/// data lies outside `original` or the deflater cannot be made.
std::optional<std::string> repack(const std::vector<PackedFile>& files, std::string_view original, std::string& error);

}  // namespace mugai::sanitizers::zip_scan
