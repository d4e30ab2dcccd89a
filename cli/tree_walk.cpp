// See tree_walk.h.
#include "cli/tree_walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

namespace mugai::cli {
namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// Splits "a/b/c" into its components; "" and "." components are dropped,
// ".." is kept so that the caller refuses it.
std::vector<std::string> components(const std::string& rel) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start <= rel.size();) {
    std::size_t end = rel.find('/', start);
    if (end == std::string::npos) end = rel.size();
    std::string c = rel.substr(start, end - start);
    if (!c.empty() && c != ".") out.push_back(std::move(c));
    start = end + 1;
  }
  return out;
}

// One component at a time from the root, each with O_NOFOLLOW: the
// fallback for kernels before 5.6 (or a seccomp filter that hides openat2).
UniqueFd openComponents(int rootFd, const std::string& rel, bool create) {
  UniqueFd cur(::openat(rootFd, ".", kDirFlags));
  for (const auto& c : components(rel)) {
    if (!cur) return cur;
    if (c == "..") {
      errno = EXDEV;
      return UniqueFd();
    }
    if (create && ::mkdirat(cur.get(), c.c_str(), 0750) != 0 && errno != EEXIST) return UniqueFd();
    cur.reset(::openat(cur.get(), c.c_str(), kDirFlags));
  }
  return cur;
}

std::atomic<bool> haveOpenat2{true};

}  // namespace

const char* notRegularReason(mode_t m) {
  if (S_ISLNK(m)) return "symlink (not followed)";
  if (S_ISFIFO(m)) return "special file (FIFO)";
  if (S_ISSOCK(m)) return "special file (socket)";
  if (S_ISBLK(m) || S_ISCHR(m)) return "special file (device)";
  return "special file";
}

UniqueFd openDirBeneath(int rootFd, const std::string& rel) {
  if (haveOpenat2.load(std::memory_order_relaxed)) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(kDirFlags);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    const std::string path = rel.empty() ? "." : rel;
    long fd;
    do fd = ::syscall(SYS_openat2, rootFd, path.c_str(), &how, sizeof how);
    while (fd < 0 && (errno == EINTR || errno == EAGAIN));  // EAGAIN: a concurrent rename; retry
    if (fd >= 0 || (errno != ENOSYS && errno != EPERM)) return UniqueFd(static_cast<int>(fd));
    haveOpenat2.store(false, std::memory_order_relaxed);
  }
  return openComponents(rootFd, rel, false);
}

UniqueFd makeDirsBeneath(int rootFd, const std::string& rel) { return openComponents(rootFd, rel, true); }

std::string openFileAt(int dirFd, const std::string& name, UniqueFd& fd, struct stat& st) {
  fd.reset(::openat(dirFd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd) {
    // O_NOFOLLOW on a symlink: ELOOP. Say what it is rather than the errno.
    int saved = errno;
    struct stat l {};
    std::string why = saved == ELOOP && ::fstatat(dirFd, name.c_str(), &l, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(l.st_mode)
                          ? "symlink (not followed)"
                          : std::strerror(saved);
    errno = saved;
    return why;
  }
  if (::fstat(fd.get(), &st) != 0) return std::strerror(errno);
  if (!S_ISREG(st.st_mode)) {
    std::string why = S_ISDIR(st.st_mode) ? "is a directory" : notRegularReason(st.st_mode);
    fd.reset();
    errno = 0;  // it is there, just not ours to take
    return why;
  }
  return "";
}

std::int64_t mtimeNs(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

void walkTree(int dirFd, const std::string& base, const std::function<bool(const TreeEntry&)>& visit) {
  // The names first (the stream is closed before we go down, so only one
  // descriptor per level is open), then each one by its parent's fd.
  std::vector<std::string> names;
  {
    int dup = ::openat(dirFd, ".", kDirFlags);
    DIR* d = dup < 0 ? nullptr : ::fdopendir(dup);
    if (!d) {
      if (dup >= 0) ::close(dup);
      TreeEntry e;
      e.rel = base, e.why = std::string("cannot list: ") + std::strerror(errno);
      visit(e);
      return;
    }
    while (const dirent* de = ::readdir(d)) {
      std::string n = de->d_name;
      if (n != "." && n != "..") names.push_back(std::move(n));
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    TreeEntry e;
    e.name = n;
    e.rel = base.empty() ? n : base + "/" + n;
    if (::fstatat(dirFd, n.c_str(), &e.st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // gone since the listing
      e.why = std::string("cannot stat: ") + std::strerror(errno);
      visit(e);
      continue;
    }
    if (S_ISREG(e.st.st_mode)) {
      e.kind = EntryKind::File;
      visit(e);
    } else if (S_ISDIR(e.st.st_mode)) {
      UniqueFd sub(::openat(dirFd, n.c_str(), kDirFlags));
      if (!sub) {
        if (errno == ENOENT) continue;
        // ELOOP/ENOTDIR: it was swapped for something else since the stat.
        e.why = std::string("cannot open directory: ") + std::strerror(errno);
        visit(e);
        continue;
      }
      e.kind = EntryKind::Directory;
      e.dirFd = sub.get();
      if (visit(e)) walkTree(sub.get(), e.rel, visit);
    } else {
      e.kind = EntryKind::Skipped;
      e.why = notRegularReason(e.st.st_mode);
      visit(e);
    }
  }
}

}  // namespace mugai::cli
