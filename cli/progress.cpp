// See progress.h.
#include "cli/progress.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace mugai::cli {

std::string humanBytes(double b) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) {
    b /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}

ProgressLine::ProgressLine(std::ostream& os, const Tally& tally)
    : os_(os), tally_(tally), start_(std::chrono::steady_clock::now()) {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_; })) draw(false);
  });
}

ProgressLine::~ProgressLine() { stop(); }

void ProgressLine::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  draw(true);
}

void ProgressLine::draw(bool final) {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::uint64_t files = tally_.filesDone, bytes = tally_.bytesDone;
  double fps = secs > 0 ? files / secs : 0, bps = secs > 0 ? bytes / secs : 0;
  char eta[32] = "--:--";
  if (bps > 0 && tally_.bytesTotal >= bytes) {
    auto left = static_cast<long>((tally_.bytesTotal - bytes) / bps);
    std::snprintf(eta, sizeof eta, "%ld:%02ld", left / 60, left % 60);
  }
  int width = 30;
  int filled = tally_.filesTotal ? static_cast<int>(width * files / tally_.filesTotal) : width;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(static_cast<std::size_t>(width), '.');
  char line[200];
  std::snprintf(line, sizeof line, "\r[%s] %llu/%llu files  %.1f files/s  %s/s  ETA %s ", bar.c_str(),
                static_cast<unsigned long long>(files), static_cast<unsigned long long>(tally_.filesTotal), fps,
                humanBytes(bps).c_str(), eta);
  os_ << line << (final ? "\n" : "") << std::flush;
}

void Summary::add(const std::string& status, const std::vector<std::string>& reasons) {
  std::lock_guard lock(mutex_);
  ++byStatus_[status];
  for (const auto& r : reasons) ++byReason_[r];
}

std::uint64_t Summary::count(const std::string& status) const {
  std::lock_guard lock(mutex_);
  auto it = byStatus_.find(status);
  return it == byStatus_.end() ? 0 : it->second;
}

// Columns a UTF-8 string takes in a terminal: East Asian wide characters
// (U+1100 and up, as our labels use them) count two.
std::string padColumns(const std::string& s, std::size_t columns) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) == 0x80) continue;
    width += c >= 0xE3 ? 2 : 1;  // U+3000 and up (CJK, kana, full-width forms); U+2026 "…" is narrow
  }
  return width >= columns ? s : s + std::string(columns - width, ' ');
}

void Summary::print(std::ostream& os, double seconds, std::uint64_t bytes) const {
  std::lock_guard lock(mutex_);
  std::uint64_t total = 0;
  for (const auto& [s, n] : byStatus_) total += n;
  char buf[160];
  os << "\nSummary (集計)\n";
  const std::pair<const char*, const char*> rows[] = {{"kept", "変更なし"},       {"changed", "無害化"},
                                                      {"removed", "削除"},        {"skipped", "処理済み・対象外"},
                                                      {"error", "エラー"}};
  for (const auto& [status, ja] : rows) {
    auto it = byStatus_.find(status);
    std::snprintf(buf, sizeof buf, "%8llu\n", static_cast<unsigned long long>(it == byStatus_.end() ? 0 : it->second));
    os << "  " << padColumns(status, 9) << padColumns(ja, 20) << buf;
  }
  std::snprintf(buf, sizeof buf, "  %s%8llu files, %s in %.1f s (%.1f files/s, %s/s)\n", padColumns("total (合計)", 29).c_str(),
                static_cast<unsigned long long>(total), humanBytes(static_cast<double>(bytes)).c_str(), seconds,
                seconds > 0 ? total / seconds : 0.0, humanBytes(seconds > 0 ? bytes / seconds : 0).c_str());
  os << buf;
  if (byReason_.empty()) return;
  os << "By reason (理由別)\n";
  std::vector<std::pair<std::uint64_t, std::string>> reasons;
  for (const auto& [r, n] : byReason_) reasons.push_back({n, r});
  std::sort(reasons.rbegin(), reasons.rend());
  for (const auto& [n, r] : reasons) {
    std::snprintf(buf, sizeof buf, "  %-36s %8llu\n", r.c_str(), static_cast<unsigned long long>(n));
    os << buf;
  }
}

}  // namespace mugai::cli
