// One archive's entries through the pipeline, in order, a batch at a time.
// This thread checks each entry (its name, its declared size against the
// caps, or reads it through libzip when libdeflate cannot); the other cores
// inflate the batch, compute true types (libmagic) and digests, while this
// thread takes the next batch and runs the one before through the
// pipeline. Every entry becomes a child node; an entry kept as it is lets
// go of its bytes once scanned (the re-pack copies its compressed form).
// Trust: the layout was checked by core/zip/layout (no critical finding);
// names, sizes and data are still hostile. Never throws for bad input.
#pragma once

#include <zip.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/parallel.h"
#include "core/pipeline.h"
#include "core/zip/layout.h"
#include "sanitizers/zip_scan/entry_reader.h"
#include "sanitizers/zip_scan/zip_scan.h"

namespace mugai::sanitizers::zip_scan {

/// The archive as a whole removed, with a finding code and why (English,
/// and Japanese when given).
Decision refuseArchive(const std::string& code, const std::string& detail, const std::string& ja);

/// Whether `child`, read from `entry`, goes into the re-packed archive as
/// the original's compressed bytes: kept as it is, nothing changed inside,
/// not encrypted (a decrypted entry goes out unprotected). Its bytes are not
/// needed after its scan then.
bool keptAsIs(const Node& child, const zip::Entry& entry);

class ArchiveWalk {
 public:
  /// `archive` is the node, `bytes` its content, `za` libzip's reading of
  /// the same bytes; all must outlive the walk.
  ArchiveWalk(const Node& archive, std::string_view bytes, const zip::Layout& layout, zip_t* za, const Options& o,
              ScanContext& ctx)
      : archive_(archive), bytes_(bytes), layout_(layout), za_(za), options_(o), ctx_(ctx) {}

  /// Every entry through the pipeline. nullopt when all were taken;
  /// otherwise the verdict on the whole archive (a refusal, or the reject
  /// of an entry), as soon as one is due.
  std::optional<Decision> run();

  std::vector<NodePtr> children;           ///< one per file entry, in order
  std::vector<const zip::Entry*> entryOf;  ///< per child: the entry it came from
  std::set<std::string> usedNames;         ///< lower-cased name of every child (one file on a case-insensitive disk)

 private:
  struct Read {
    NodePtr node;                       // decided here already (a symbolic link) unless its action is Keep
    const zip::Entry* entry = nullptr;  // where it came from; inflatesDirectly(*entry): inflated in the background
    std::optional<Refusal> failed;      // what the background inflation refused
  };

  std::optional<Decision> take(std::size_t i);
  std::optional<std::string> readProtected(std::size_t i, const zip::Entry& e, std::optional<Decision>& refusal);
  std::optional<Decision> flush(bool last);
  std::optional<Decision> process(std::vector<Read>& reads);

  const Node& archive_;
  std::string_view bytes_;
  const zip::Layout& layout_;
  zip_t* za_;
  const Options& options_;
  ScanContext& ctx_;
  std::vector<Read> batch_, typing_;    // being taken; taken and being inflated and typed
  std::size_t batchBytes_ = 0;
  std::optional<BackgroundFor> typer_;  // works on typing_ (declared after it: see BackgroundFor)
};

}  // namespace mugai::sanitizers::zip_scan
