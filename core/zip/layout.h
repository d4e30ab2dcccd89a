// Our own reading of a ZIP archive's structure, before any library
// extracts a byte. libzip trusts the central directory; clients differ in
// what they trust (first or last end record, local or central headers,
// offsets as written or shifted by prefixed data). An archive where two
// readings can disagree is refused: we cannot be sure what a client would
// extract. This walker reports each such trick as a finding.
//
// Trust: the bytes are hostile. Every offset and length is checked
// against the buffer before it is read; the walk is linear in the number
// of entries (capped) and never recursive. Never throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mugai::zip {

struct LayoutFinding {
  std::string code;    ///< e.g. "zip.overlapping_entries"
  std::string detail;  ///< English, for the report
  bool critical;       ///< true: the archive cannot be trusted as a whole
};

/// One central directory record, checked against its local header.
struct Entry {
  std::string rawName;               ///< name bytes as the central directory has them
  std::optional<std::string> unicodePath;  ///< Info-ZIP 0x7075 name (UTF-8) when its CRC fits rawName
  bool unicodePathDisagrees = false; ///< 0x7075 present but for another name
  std::uint16_t versionMadeBy = 0, flags = 0, method = 0;
  std::uint32_t crc32 = 0, externalAttributes = 0;
  std::uint64_t compressedSize = 0, uncompressedSize = 0;
  std::uint64_t localOffset = 0;     ///< where the local header is in the buffer (after any shift)
  std::uint16_t dosTime = 0, dosDate = 0;  ///< last modification, MS-DOS format (local time)
  std::uint64_t dataOffset = 0;      ///< where the compressed data starts in the buffer (after the local header)
  std::uint64_t dataEnd = 0;         ///< end of the compressed data in the buffer
  bool utf8Flag() const { return flags & 0x0800; }
  bool encrypted() const { return flags & 0x0001; }
  bool aes = false;                  ///< WinZip AES (method 99 with a 0x9901 extra)
  std::uint16_t aesMethod = 0;       ///< the real compression method behind AES
  /// The compression method the data is in (AES names it in its extra field).
  std::uint16_t dataMethod() const { return aes ? aesMethod : method; }
  bool isDirectory() const { return !rawName.empty() && (rawName.back() == '/' || rawName.back() == '\\'); }
  bool isSymlink() const;            ///< Unix mode S_IFLNK in the external attributes
};

struct Layout {
  bool isZip = false;                ///< an end of central directory record was found
  std::vector<Entry> entries;
  std::vector<LayoutFinding> findings;
  std::uint64_t prefixBytes = 0;     ///< bytes before the archive proper (SFX stub, polyglot host)
  bool zip64 = false;

  bool critical() const;
  const LayoutFinding* firstCritical() const;
};

/// Reads the structure of `bytes`. `maxEntries` caps the central directory
/// walk (more is itself a critical finding).
Layout readLayout(std::string_view bytes, std::size_t maxEntries);

/// The entry's modification time as seconds since the epoch (local time
/// zone, as ZIP stores it), or 0 when the DOS date is invalid.
std::int64_t modifiedTime(const Entry& e);

/// Whether `bytes` ends with a ZIP end record (an archive appended to another file).
bool hasTrailingZip(std::string_view bytes);

/// The entry's name as UTF-8: flag bit 11 or a valid 0x7075 extra name,
/// else UTF-8 if the bytes are valid UTF-8, else CP932 (Japanese Windows).
std::string entryNameUtf8(const Entry& e);

}  // namespace mugai::zip
