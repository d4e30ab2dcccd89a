// Files that survive a crash: written under a temporary name in the same
// directory, fsync'ed, renamed over the target, and the directory fsync'ed,
// so a reader (or a restart after kill -9) sees the old file or the whole
// new one, never half of it. The target itself is never opened: the
// temporary file is created with O_CREAT|O_EXCL|O_NOFOLLOW, and a target
// that exists and is not a regular file (a symlink, a FIFO, a device, a
// directory) is refused, so a planted name can neither redirect nor block
// a write. Also the one bounded whole-file reader.
// Errors are returned as text (strerror plus what was being done), never thrown.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace mugai {

struct WriteOptions {
  /// Becomes the file's modification time (nanoseconds since the epoch).
  std::optional<std::int64_t> mtimeNs;
  /// Holds the temporary file (same file system as the target), so that a
  /// crash leaves no stray file beside the target. "" = beside it.
  std::string tmpDir;
  /// fsync the file and its directory before returning. A caller that
  /// commits many files at once passes false and calls syncFileSystem()
  /// before it records them as done (group commit).
  bool sync = true;
  /// With `sync`: also fsync the directory. A caller that shares directory
  /// fsyncs between concurrent writers (DirectorySync) passes false and
  /// syncs the directory itself before it relies on the new name.
  bool syncDirectory = true;
  /// The target is new (a fresh queue id): written as an unnamed file
  /// (O_TMPFILE) and linked into place, so the directory is locked only for
  /// the link, and a crash leaves no temporary file at all. Fails if the
  /// target exists. Falls back to the temporary name where the file system
  /// has no O_TMPFILE.
  bool createNew = false;
};

/// Group commit for a directory many threads create files in: a rename is
/// durable once some fsync of the directory has started after it. sync()
/// waits for such an fsync, starting one only when none is under way, so
/// concurrent writers share one instead of queueing one each.
class DirectorySync {
 public:
  explicit DirectorySync(std::string dir) : dir_(std::move(dir)) {}
  /// Call after the rename: "" once it is durable, else the error.
  [[nodiscard]] std::string sync();

 private:
  std::string dir_;
  std::mutex mutex_;
  std::condition_variable done_;
  std::uint64_t requested_ = 0, finished_ = 0;  // tickets: renames asked for, covered by a finished fsync
  std::uint64_t failedAt_ = 0;                   // the tickets up to here were covered by a failed fsync
  std::string lastError_;
  bool running_ = false;
};

/// Writes `bytes` to `path` atomically (temporary file, rename): readers and
/// a restart after kill -9 see the old file or the whole new one.
/// @return "" on success, else a description of the failure (the target is
///   untouched); refusals of a non-regular target come from refuseNonRegular().
[[nodiscard]] std::string writeFileDurably(const std::string& path, std::string_view bytes, const WriteOptions& options = {});

/// Checks, without opening it, that `path` is absent or a regular file.
/// @return "" if so, else "PATH exists and is a FIFO: refused, ..." (also
///   for a symlink, a device, a directory, a socket).
[[nodiscard]] std::string refuseNonRegular(const std::string& path);

/// A file written piece by piece (a JSON Lines report) that appears whole,
/// under its name, only at commit(): a temporary file beside the target
/// (O_CREAT|O_EXCL|O_NOFOLLOW), fsync, rename, directory fsync. Until then
/// the old file, if any, stays as it was. Not thread-safe.
class StagedFile {
 public:
  StagedFile() = default;
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  /// Removes the temporary file unless commit() succeeded.
  ~StagedFile();
  /// @return "" or the error; a non-regular target is refused (refuseNonRegular).
  [[nodiscard]] std::string open(const std::string& path);
  /// @return "" or the error (the file then stays uncommitted).
  [[nodiscard]] std::string append(std::string_view bytes);
  /// fsyncs, renames into place (re-checking the target) and fsyncs the directory.
  /// @return "" or the error; on error the target is untouched.
  [[nodiscard]] std::string commit();
  bool isOpen() const { return fd_ >= 0; }

 private:
  std::string path_, tmp_;
  int fd_ = -1;
};

/// syncfs(2) on the file system holding `path`: every write and rename made
/// there so far is durable when it returns "".
[[nodiscard]] std::string syncFileSystem(const std::string& path);

/// fsyncs a directory so that a rename or create inside it is durable.
[[nodiscard]] std::string syncDirectory(const std::string& dir);

/// Reads a whole regular file into `out`, refusing more than `maxBytes`.
/// Never follows a symlink at the last component (O_NOFOLLOW).
/// @return "" on success, else the reason ("too large", strerror...).
[[nodiscard]] std::string readWholeFile(const std::string& path, std::string& out, std::uint64_t maxBytes);

/// Reads the rest of an open regular file `fd` whose fstat size is `size`
/// into `out`, refusing more than `maxBytes` (checked before and while
/// reading: the file may grow).
/// @return "" on success, else the reason.
[[nodiscard]] std::string readWholeFd(int fd, std::uint64_t size, std::string& out, std::uint64_t maxBytes);

}  // namespace mugai
