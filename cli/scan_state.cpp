// See scan_state.h.
#include "cli/scan_state.h"

#include <stdexcept>

#include "core/durable_file.h"

namespace mugai::cli {
namespace {

void check(sqlite3* db, int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string("scan state: ") + what + ": " + sqlite3_errmsg(db));
}

void bindText(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

}  // namespace

ScanState::ScanState(const std::string& path, std::vector<std::string> syncRoots) : syncRoots_(std::move(syncRoots)) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK) throw std::runtime_error("scan state: cannot open " + path);
  sqlite3_busy_timeout(db_.get(), 10000);
  check(db_.get(),
        sqlite3_exec(db_.get(),
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE IF NOT EXISTS done (rel TEXT PRIMARY KEY, sha256 TEXT NOT NULL, status TEXT NOT NULL,"
                     " id TEXT NOT NULL, time INTEGER NOT NULL DEFAULT (strftime('%s','now')))",
                     nullptr, nullptr, nullptr),
        "cannot create tables");
}

std::optional<std::string> ScanState::doneId(const std::string& rel, const std::string& sha256) {
  std::lock_guard lock(mutex_);
  sqlite3_stmt* raw = nullptr;
  check(db_.get(), sqlite3_prepare_v2(db_.get(), "SELECT id FROM done WHERE rel = ? AND sha256 = ?", -1, &raw, nullptr),
        "prepare");
  SqliteStmtPtr s(raw);
  bindText(s.get(), 1, rel);
  bindText(s.get(), 2, sha256);
  int rc = sqlite3_step(s.get());
  check(db_.get(), rc, "query");
  if (rc != SQLITE_ROW) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0)));
}

ScanState::~ScanState() {
  try {
    flush();
  } catch (...) {  // the files will be done again by the next run
  }
}

void ScanState::record(const std::string& rel, const std::string& sha256, const std::string& status,
                       const std::string& id) {
  std::lock_guard lock(mutex_);
  queue_.push_back({rel, sha256, status, id});
  if (queue_.size() >= 256 || std::chrono::steady_clock::now() - lastFlush_ > std::chrono::milliseconds(500))
    flushLocked();
}

void ScanState::flush() {
  std::lock_guard lock(mutex_);
  flushLocked();
}

void ScanState::flushLocked() {
  lastFlush_ = std::chrono::steady_clock::now();
  if (queue_.empty()) return;
  for (const auto& root : syncRoots_)
    if (std::string e = syncFileSystem(root); !e.empty()) throw std::runtime_error("scan state: " + e);
  check(db_.get(), sqlite3_exec(db_.get(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), "begin");
  sqlite3_stmt* raw = nullptr;
  check(db_.get(),
        sqlite3_prepare_v2(db_.get(), "INSERT OR REPLACE INTO done (rel, sha256, status, id) VALUES (?,?,?,?)", -1, &raw,
                           nullptr),
        "prepare");
  SqliteStmtPtr s(raw);
  for (const auto& row : queue_) {
    sqlite3_reset(s.get());
    bindText(s.get(), 1, row.rel);
    bindText(s.get(), 2, row.sha256);
    bindText(s.get(), 3, row.status);
    bindText(s.get(), 4, row.id);
    int rc = sqlite3_step(s.get());
    if (rc != SQLITE_DONE) {
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      check(db_.get(), rc, "record");
    }
  }
  s.reset();
  check(db_.get(), sqlite3_exec(db_.get(), "COMMIT", nullptr, nullptr, nullptr), "commit");
  queue_.clear();
}

}  // namespace mugai::cli
