// Progress and summary for batch commands. On a terminal: one line
// redrawn in place (files, files/s, MB/s, ETA); otherwise the caller logs
// one plain line per file and this only prints the summary table.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace mugai::cli {

struct Tally {
  std::atomic<std::uint64_t> filesDone{0}, bytesDone{0};
  std::uint64_t filesTotal = 0, bytesTotal = 0;
};

/// Redraws a progress line on `os` every 200 ms until stopped.
class ProgressLine {
 public:
  ProgressLine(std::ostream& os, const Tally& tally);
  ~ProgressLine();
  void stop();

 private:
  void draw(bool final);
  std::ostream& os_;
  const Tally& tally_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

/// Counts by status and by reason code, printed as a table at the end.
class Summary {
 public:
  void add(const std::string& status, const std::vector<std::string>& reasons);
  void print(std::ostream& os, double seconds, std::uint64_t bytes) const;
  std::uint64_t count(const std::string& status) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> byStatus_;
  std::map<std::string, std::uint64_t> byReason_;
};

/// `s` followed by blanks up to `columns` terminal columns (East Asian
/// wide characters count two).
std::string padColumns(const std::string& s, std::size_t columns);

/// "1.2 MB", "3.4 GB" (decimal units, as disk tools show them).
std::string humanBytes(double bytes);

}  // namespace mugai::cli
