// What `mugai scan` has already done for one output tree, so that a rerun
// (or a restart after kill -9) skips files whose content it has cleaned
// before. Kept in OUT/.mugai/scan-state.sqlite; a row is written only
// after the file's output is durable, so a row never claims work that a
// crash undid. Thread-safe.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "core/c_handles.h"

namespace mugai::cli {

class ScanState {
 public:
  /// Opens or creates the state database. Throws std::runtime_error.
  explicit ScanState(const std::string& path);

  /// The run id recorded for `rel` when it was done with this content.
  std::optional<std::string> doneId(const std::string& rel, const std::string& sha256);
  /// Records `rel` as done with this content, status and id (durably).
  void record(const std::string& rel, const std::string& sha256, const std::string& status, const std::string& id);

 private:
  std::mutex mutex_;
  SqlitePtr db_;
};

}  // namespace mugai::cli
