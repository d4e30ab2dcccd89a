// Owning wrappers for C library handles, each declared once (STYLE: RAII).
// Every handle gets a unique_ptr with the library's own release function.
#pragma once

#include <libdeflate.h>
#include <magic.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <unistd.h>
#include <zip.h>

#include <memory>
#include <string>
#include <utility>

namespace mugai {

struct MagicCloser {
  void operator()(magic_set* m) const { magic_close(m); }
};
/// libmagic cookie. Never share one across threads (measured crash).
using MagicPtr = std::unique_ptr<magic_set, MagicCloser>;

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
/// One SQLite connection.
using SqlitePtr = std::unique_ptr<sqlite3, SqliteCloser>;

struct SqliteStmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
/// One prepared statement; finalized before its connection closes.
using SqliteStmtPtr = std::unique_ptr<sqlite3_stmt, SqliteStmtFinalizer>;

struct ZipDiscarder {
  void operator()(zip_t* z) const { zip_discard(z); }
};
/// A libzip archive opened for reading: discarded, never written back.
using ZipPtr = std::unique_ptr<zip_t, ZipDiscarder>;

struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};
/// One entry being read.
using ZipFilePtr = std::unique_ptr<zip_file_t, ZipFileCloser>;

struct ZipSourceFreer {
  void operator()(zip_source_t* s) const { zip_source_free(s); }
};
/// A libzip source we still own (zip_open_from_source takes it over on success).
using ZipSourcePtr = std::unique_ptr<zip_source_t, ZipSourceFreer>;

/// A libzip error record: zip_error_strerror() allocates its text inside the
/// record, which only zip_error_fini() frees.
class ZipError {
 public:
  ZipError() { zip_error_init(&err_); }
  ~ZipError() { zip_error_fini(&err_); }
  ZipError(const ZipError&) = delete;
  ZipError& operator=(const ZipError&) = delete;
  zip_error_t* get() { return &err_; }
  std::string text() { return zip_error_strerror(&err_); }

 private:
  zip_error_t err_;
};

struct DeflateDecompressorFreer {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};
/// A libdeflate decompressor: one per thread (it holds its tables).
using DeflateDecompressorPtr = std::unique_ptr<libdeflate_decompressor, DeflateDecompressorFreer>;

struct DeflateCompressorFreer {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};
/// A libdeflate compressor at one level: one per thread.
using DeflateCompressorPtr = std::unique_ptr<libdeflate_compressor, DeflateCompressorFreer>;

/// A file descriptor closed on scope exit.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  /// Gives up ownership without closing.
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

/// A pipe, both ends close-on-exec (a child gets them by dup2 only).
inline bool makePipe(UniqueFd& readEnd, UniqueFd& writeEnd) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  readEnd = UniqueFd(fds[0]);
  writeEnd = UniqueFd(fds[1]);
  return true;
}

}  // namespace mugai
