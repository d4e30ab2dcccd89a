// See durable_file.h.
#include "core/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "core/c_handles.h"

namespace mugai {
namespace {

std::string failure(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

std::string parentOf(const std::string& path) {
  auto p = std::filesystem::path(path).parent_path();
  return p.empty() ? "." : p.string();
}

// Unique within the process (counter) and across processes (pid), so that
// threads and concurrent runs never share a temporary name.
std::string temporaryName(const std::string& path, const std::string& tmpDir) {
  static std::atomic<unsigned> counter{0};
  std::string base = tmpDir.empty() ? path : (std::filesystem::path(tmpDir) / "w").string();
  return base + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

}  // namespace

std::string syncDirectory(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return failure("cannot open directory", dir);
  if (::fsync(fd.get()) != 0) return failure("cannot fsync directory", dir);
  return "";
}

std::string syncFileSystem(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return failure("cannot open", path);
  if (::syncfs(fd.get()) != 0) return failure("cannot sync the file system of", path);
  return "";
}

namespace {

// Writes, sets the time, and fsyncs `fd`; "" or the failure (errno kept).
std::string fill(int fd, std::string_view bytes, const WriteOptions& options, const std::string& name) {
  for (std::size_t done = 0; done < bytes.size();) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return failure("cannot write", name);
    done += static_cast<std::size_t>(n);
  }
  if (options.mtimeNs) {
    timespec times[2];
    times[0].tv_sec = 0;
    times[0].tv_nsec = UTIME_OMIT;
    times[1].tv_sec = static_cast<time_t>(*options.mtimeNs / 1'000'000'000);
    times[1].tv_nsec = static_cast<long>(*options.mtimeNs % 1'000'000'000);
    if (::futimens(fd, times) != 0) return failure("cannot set the time of", name);
  }
  if (options.sync && ::fsync(fd) != 0) return failure("cannot fsync", name);
  return "";
}

// createNew: an unnamed file in the target's directory, linked into place.
// nullopt when the file system cannot (the caller takes the usual way).
std::optional<std::string> writeUnnamed(const std::string& path, std::string_view bytes, const WriteOptions& options) {
  const std::string dir = parentOf(path);
  UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0640));
  if (!fd) {
    if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) return std::nullopt;
    return failure("cannot create a file in", dir);
  }
  if (std::string e = fill(fd.get(), bytes, options, path); !e.empty()) return e;
  // linkat with AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; the /proc path does not.
  const std::string self = "/proc/self/fd/" + std::to_string(fd.get());
  if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW) != 0) {
    if (errno == ENOENT && ::access("/proc/self/fd", F_OK) != 0) return std::nullopt;  // no /proc
    return failure("cannot link into place", path);
  }
  // From here the file is in place: a failure takes it away again, so that
  // nobody acts on a file whose writer reported an error.
  if (::close(fd.release()) != 0) {
    std::string e = failure("cannot close", path);
    ::unlink(path.c_str());
    return e;
  }
  std::string e = options.sync && options.syncDirectory ? syncDirectory(dir) : "";
  if (!e.empty()) ::unlink(path.c_str());
  return e;
}

// What `st` is, for the refusal message.
const char* kindOf(const struct stat& st) {
  if (S_ISLNK(st.st_mode)) return "a symlink";
  if (S_ISFIFO(st.st_mode)) return "a FIFO";
  if (S_ISDIR(st.st_mode)) return "a directory";
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return "a device";
  if (S_ISSOCK(st.st_mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

std::string refuseNonRegular(const std::string& path) {
  // lstat, never open: opening a FIFO blocks until a reader comes, and
  // opening a symlink writes wherever it points.
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return "";
  return path + " exists and is " + kindOf(st) + ": refused, outputs are only written as regular files";
}

std::string writeFileDurably(const std::string& path, std::string_view bytes, const WriteOptions& options) {
  // Refused before any work. Should the target become something else after
  // this check, the rename below replaces that name itself (a symlink, a
  // FIFO) and never writes through it; a directory makes the rename fail.
  if (std::string e = refuseNonRegular(path); !e.empty()) return e;
  if (options.createNew)
    if (auto done = writeUnnamed(path, bytes, options)) return *done;
  std::string tmp = temporaryName(path, options.tmpDir);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640));
  if (!fd) return failure("cannot create", tmp);
  auto fail = [&](const char* what) {
    std::string e = failure(what, tmp);
    ::unlink(tmp.c_str());
    return e;
  };
  if (std::string e = fill(fd.get(), bytes, options, tmp); !e.empty()) {
    ::unlink(tmp.c_str());
    return e;
  }
  if (::close(fd.release()) != 0) return fail("cannot close");  // NFS reports write errors here
  if (options.createNew) {
    // Never over an existing file: link (fails if the name exists), then drop the temporary name.
    if (::link(tmp.c_str(), path.c_str()) != 0) return fail("cannot link into place");
    ::unlink(tmp.c_str());
  } else if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return fail("cannot rename into place");
  }
  std::string e = options.sync && options.syncDirectory ? syncDirectory(parentOf(path)) : "";
  if (!e.empty() && options.createNew) ::unlink(path.c_str());
  return e;
}

StagedFile::~StagedFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
}

std::string StagedFile::open(const std::string& path) {
  if (std::string e = refuseNonRegular(path); !e.empty()) return e;
  path_ = path;
  std::string tmp = temporaryName(path, "");
  fd_ = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd_ < 0) return failure("cannot create", tmp);
  tmp_ = tmp;
  return "";
}

std::string StagedFile::append(std::string_view bytes) {
  for (std::size_t done = 0; done < bytes.size();) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return failure("cannot write", tmp_);
    done += static_cast<std::size_t>(n);
  }
  return "";
}

std::string StagedFile::commit() {
  if (::fsync(fd_) != 0) return failure("cannot fsync", tmp_);
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return failure("cannot close", tmp_);
  if (std::string e = refuseNonRegular(path_); !e.empty()) return e;  // planted while we wrote
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) return failure("cannot rename into place", path_);
  tmp_.clear();
  return syncDirectory(parentOf(path_));
}

std::string DirectorySync::sync() {
  std::unique_lock lock(mutex_);
  const std::uint64_t mine = ++requested_;  // our rename happened before this ticket
  for (;;) {
    // An fsync that started after our ticket covers our rename; a failed
    // one covers nothing, and the callers it would have covered hear why.
    if (finished_ >= mine) return failedAt_ >= mine ? lastError_ : std::string();
    if (!running_) {
      running_ = true;
      const std::uint64_t covers = requested_;
      lock.unlock();
      std::string e;
      try {
        e = syncDirectory(dir_);
      } catch (const std::exception& x) {
        e = x.what();
      }
      lock.lock();
      running_ = false;
      finished_ = covers;
      if (!e.empty()) failedAt_ = covers, lastError_ = e;
      done_.notify_all();
      if (covers >= mine) return e;
    } else {
      done_.wait(lock);
    }
  }
}

std::string readWholeFile(const std::string& path, std::string& out, std::uint64_t maxBytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK));
  if (!fd) return std::strerror(errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return std::strerror(errno);
  if (S_ISDIR(st.st_mode)) return "is a directory";
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  return readWholeFd(fd.get(), static_cast<std::uint64_t>(st.st_size), out, maxBytes);
}

std::string readWholeFd(int fd, std::uint64_t size, std::string& out, std::uint64_t maxBytes) {
  if (size > maxBytes) return "too large (" + std::to_string(size) + " bytes, limit " + std::to_string(maxBytes) + ")";
  out.clear();
  out.reserve(static_cast<std::size_t>(size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::strerror(errno);
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    // The file may grow while we read it: the limit is on bytes read.
    if (out.size() > maxBytes) return "too large (grew past " + std::to_string(maxBytes) + " bytes while read)";
  }
  return "";
}

}  // namespace mugai
