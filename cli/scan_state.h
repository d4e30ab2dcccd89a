// What `mugai scan` has already done for one output tree, so that a rerun
// (or a restart after kill -9) skips files whose content it has cleaned
// before. Kept in OUT/.mugai/scan-state.sqlite.
//
// Group commit: outputs (and quarantined originals) are written without a
// per-file fsync; record() queues a row, and every 256 rows or 500 ms (and
// at the end) one syncfs() per file system makes every queued output
// durable, then one transaction records them. A row therefore never claims work
// that a crash undid; a crash only means the unrecorded files are done
// again. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <vector>
#include <optional>
#include <string>

#include "core/c_handles.h"

namespace mugai::cli {

class ScanState {
 public:
  /// Opens or creates the state database. Throws std::runtime_error.
  /// `syncRoots`: paths on the file systems to sync before each commit
  /// (the output tree, the quarantine).
  ScanState(const std::string& path, std::vector<std::string> syncRoots);
  ~ScanState();

  /// The run id recorded for `rel` when it was done with this content.
  std::optional<std::string> doneId(const std::string& rel, const std::string& sha256);
  /// Queues `rel` as done with this content, status and id; commits the
  /// queue when it is due. Throws std::runtime_error when a commit fails.
  void record(const std::string& rel, const std::string& sha256, const std::string& status, const std::string& id);
  /// Syncs the outputs and commits every queued row now.
  void flush();

 private:
  struct Row {
    std::string rel, sha256, status, id;
  };
  void flushLocked();

  std::mutex mutex_;
  SqlitePtr db_;
  std::vector<std::string> syncRoots_;
  std::vector<Row> queue_;
  std::chrono::steady_clock::time_point lastFlush_ = std::chrono::steady_clock::now();
};

}  // namespace mugai::cli
