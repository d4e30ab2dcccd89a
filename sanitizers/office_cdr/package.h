// A ZIP-of-XML document package (OOXML's OPC, ODF) read into parts and
// written back: the part both cleaners share. Reading goes through
// core/zip/layout (every structural trick refuses the document) and
// zip_scan's bounded inflater (per-part size, ratio, the input's budget);
// writing goes through zip_scan's writer, copying each untouched part's
// compressed bytes as they were.
// Trust: the archive and its names are hostile. Names are compared as
// OPC does (case-insensitive, no leading "/"), duplicates refuse the
// package. Never throws for bad input.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/pipeline.h"
#include "core/zip/layout.h"
#include "sanitizers/office_cdr/result.h"

namespace mugai::sanitizers::office_cdr {

struct Part {
  std::string name;             ///< as stored, UTF-8, no leading "/"
  const zip::Entry* entry;      ///< its record in the package's layout
  std::string bytes;            ///< inflated content
  bool removed = false;         ///< left out of the rebuilt package
  std::optional<std::string> rewritten;  ///< new content, when changed
};

class Package {
 public:
  /// Reads every part of `bytes` (which must outlive the Package), or
  /// returns a refusal in `why` (office.unreadable, limit.*).
  [[nodiscard]] static std::optional<Package> read(std::string_view bytes, const Options& o, ScanContext& ctx,
                                                   Result& why);

  std::vector<Part>& parts() { return parts_; }
  /// The part with this name (OPC comparison: ASCII case-insensitive, a
  /// leading "/" ignored), or nullptr.
  Part* find(std::string_view name);
  /// The rebuilt package: parts in their order, removed ones left out,
  /// rewritten ones deflated, the rest copied. `storeFirst` keeps the first
  /// part stored (ODF's "mimetype"). nullopt when the writer fails.
  std::optional<std::string> write(std::string& error) const;

 private:
  std::string_view original_;
  zip::Layout layout_;
  std::vector<Part> parts_;
};

/// The answer for a package whose parts were edited: Cleaned with the
/// rebuilt bytes and `removals`, or office.unreadable when the writer fails.
Result rebuiltResult(const Package& pkg, std::vector<Removal> removals, std::string mimeType, std::string extension);

/// OPC part-name comparison (ASCII case-insensitive, leading "/" ignored).
bool samePartName(std::string_view a, std::string_view b);

/// `target` (a relationship target or ODF href, '/'-separated, maybe with
/// "..", "." or a leading "/") resolved against the folder of `source`;
/// "" when it climbs above the package root.
std::string resolvePartName(std::string_view sourceFolder, std::string_view target);

}  // namespace mugai::sanitizers::office_cdr
