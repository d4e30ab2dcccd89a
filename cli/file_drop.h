// One file of a drop folder, cleaned: run it through the
// pipeline, keep the original in quarantine when anything changed (watch:
// always), then write the clean copy or NAME.removed.txt beside where it
// would have gone. `mugai scan` and `mugai watch` share this so that a
// file is judged the same way by both.
//
// Outputs are only ever written as regular files (writeFileDurably): a
// symlink, FIFO or directory planted at an output name is refused, never
// written through.
//
// Order matters for "lose nothing": quarantine first, output second; the
// caller records the file as done only after both (a kill in between
// redoes the file, and the quarantine's origin key makes that a no-op).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/job/pool.h"
#include "core/quarantine/store.h"

namespace mugai::cli {

enum class DropStatus {
  Kept,     ///< unchanged; the copy is byte-identical
  Changed,  ///< written in converted form
  Removed,  ///< not written; NAME.removed.txt holds the notice
  Error,    ///< could not be read, kept or written; see `error`
};
std::string_view dropStatusName(DropStatus s);

struct DropResult {
  DropStatus status = DropStatus::Error;
  std::string id;                    ///< run id = quarantine id when kept
  std::uint64_t size = 0;            ///< input bytes
  std::string written;               ///< path written (clean copy or notice)
  std::vector<std::string> reasons;  ///< reason codes of what was done
  std::string error;                 ///< for Error
  bool outputFailed = false;         ///< Error on our side (output or quarantine not writable), not the input's
  bool quarantined = false;
  nlohmann::json report;             ///< the per-file JSON report (null on a read error)
};

struct DropJob {
  std::string name;         ///< name for reports and notices (relative path)
  std::string output;       ///< where the clean copy goes; the notice goes to output + ".removed.txt"
  std::string origin;       ///< quarantine idempotency key ("" = none)
  bool quarantineAlways = false;  ///< watch: the original moves to quarantine even if unchanged
  std::string tmpDir;             ///< where outputs are written before the rename (see writeFileDurably)
  bool sync = true;               ///< false: the caller syncs the output file system before recording (group commit)
  std::vector<std::string> passwords;  ///< tried on protected archives
  /// The input file's path ("" = none): a renamed clean copy ("a.docm" ->
  /// "a.docx") must not take the name of another input beside it.
  std::string source;
};

/// Where the clean copy goes: `output`, or `output` with the extension the
/// pipeline gave the file (job::Result::newExtension: office_cdr delivers
/// a cleaned "a.docm" as "a.docx", since a macro-free document under a
/// macro-enabled name does not open in Office).
/// When `source` ("" = none) has a sibling of the new name ("a.docx" beside
/// "a.docm"), that name is the sibling's: the copy is "a.docm.docx" instead,
/// so one input's clean copy never replaces another's.
std::string deliveredPath(const std::string& output, const std::string& newExtension, const std::string& source = "");

/// `output` under the macro-free extension ("a.docm" -> "a.docx"), where a
/// cleaned macro-enabled document is written; "" for other extensions.
std::string macroFreeOutput(const std::string& output);

/// Cleans one file, already read into `bytes` (the caller reads it once,
/// for its own checks too), with its mtime if known, on a worker of
/// `pool`. Never throws for bad input or I/O trouble (Error); a worker
/// that fails is an Error too, with nothing written (fail closed).
DropResult cleanBytes(const DropJob& job, std::string bytes, std::optional<std::int64_t> mtimeNs, job::Pool& pool, quarantine::QuarantineStore* store);

}  // namespace mugai::cli
