// The storages and streams of an OLE2 compound file, listed with libgsf.
// Why libgsf: it is the compound-file reader GNOME's Gnumeric and AbiWord
// have hardened against real-world Office files for twenty years, it reads
// from memory (no temporary file), and Debian ships it; we keep our own code
// to the Office-specific records (ole2_records.h). Its weak spots on hostile
// input (recursive directory parsing, quadratic sibling sorting) are closed
// by ole2_cfb.h before it sees the file.
// Trust: the file is hostile. The walk is iterative and bounded (entries,
// depth, bytes read, deadline); any libgsf failure is a verdict (damage),
// never a crash or a partial "clean". Never throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/pipeline.h"

namespace mugai::sanitizers::office_cdr {

/// One storage or stream.
struct OleEntry {
  std::string path;        ///< "Macros/VBA/dir"; names as libgsf gives them (UTF-8, control chars kept)
  std::string name;        ///< last component
  std::size_t depth = 0;   ///< 1 = a child of the root
  bool storage = false;
  std::uint64_t size = 0;  ///< streams: bytes
};

/// The whole listing, plus the root streams the record checks read.
struct OleTree {
  std::vector<OleEntry> entries;  ///< depth-first
  std::string wordDocument;       ///< root "WordDocument" stream ("" when absent)
  std::string workbook;           ///< root "Workbook", else "Book"
  std::string workbookName;       ///< which of the two it was
  std::string pptDocument;        ///< root "PowerPoint Document"
  std::string failCode;           ///< "" = read whole; else office.unreadable or a limit.* code
  std::string failDetail;         ///< English, one line
};

/// Bounds of one walk.
struct OleLimits {
  std::size_t maxEntries = 10000;
  std::size_t maxDepth = 32;             ///< storages inside storages
  std::uint64_t maxStreamBytes = 100ull << 20;
};

/// Whether two storage/stream names are the same name: compound-file names
/// compare case-insensitively (MS-CFB 2.6.4), and Office opens
/// "WORDDOCUMENT" as it opens "WordDocument". ASCII folding only.
bool oleNameIs(std::string_view name, std::string_view want);
/// Same, for a name's beginning.
bool oleNameStarts(std::string_view name, std::string_view prefix);

/// Names of the root's children, from the structural check alone (no
/// libgsf: the format sniffer calls this for every OLE2 file, more than
/// once). `opened` is false when the check refuses the file.
std::vector<std::string> oleRootNames(std::string_view bytes, bool& opened);

/// Lists every storage and stream of `bytes` and reads every stream once
/// (so a broken chain anywhere is found), charging the bytes read to `ctx`.
OleTree readOleTree(std::string_view bytes, const OleLimits& limits, ScanContext& ctx);

}  // namespace mugai::sanitizers::office_cdr
