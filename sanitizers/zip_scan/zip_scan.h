// zip_scan: opens ZIP archives from memory, runs the whole pipeline on
// every entry, and re-packs what the pipeline kept (UTF-8 names, flag set),
// or removes the archive.
//
// Before libzip reads a byte, core/zip/layout.h walks the structure
// itself; any trick that lets two readers see different contents
// (overlapping entries, local/central disagreement, hidden or prefixed
// data, ambiguous end records, traversal and absolute names, duplicates)
// removes the whole archive. While reading, bytes actually inflated are
// capped per entry, per archive tree (max_decoded_bytes) and by ratio, and
// more bytes than the header declared is a finding: libzip 1.7.3 enforces
// none of these. Nested archives recurse through the pipeline up to
// max_archive_depth; a bomb found inside refuses every archive around it.
//
// Encrypted entries: removed (policy "remove", the default), or, with
// "password", opened with the passwords the operator gave or the message's
// text holds (PPAP), scanned, and re-packed without protection. Methods libzip
// cannot read (Deflate64, LZMA, PPMd, ...) make the archive unscannable.
// A file of another type with a ZIP appended (GIFAR-style polyglot) is
// removed. Never throws for bad input.
#pragma once

#include <cstdint>
#include <string>

#include "core/pipeline.h"
#include "core/sanitizer_registry.h"

namespace mugai::sanitizers::zip_scan {

struct Options {
  int maxArchiveDepth = 5;                     ///< archives inside archives
  std::size_t maxEntries = 10000;              ///< entries in one archive
  std::uint64_t maxEntryBytes = 100ull << 20;  ///< bytes inflated from one entry
  std::uint64_t maxRatio = 200;                ///< inflated / compressed, checked past 1 MiB
  /// Password-protected entries: false = remove the archive (default);
  /// true = try the passwords in ScanContext (--password, the message's
  /// text) and scan what they open; the re-packed archive is unprotected.
  bool tryPasswords = false;
};

class ZipScan final : public Sanitizer {
 public:
  explicit ZipScan(Options o) : options_(o) {}
  std::string_view name() const override { return "zip_scan"; }
  bool accepts(const Node& node) const override;
  Decision run(const Node& node, ScanContext& ctx) override;

 private:
  Options options_;
};

/// Whether `type` (a true type) is a ZIP archive we open.
bool isZipArchive(const std::string& type);

Options parseOptions(const toml::table& t, const std::string& source);
void registerFactory(SanitizerRegistry& registry);

}  // namespace mugai::sanitizers::zip_scan
