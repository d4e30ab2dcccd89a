// Walking and reading a tree someone else can write to (mugai scan's
// sources, mugai watch's drop folder) by directory descriptors, so that
// swapping a folder for a symlink between the walk and the read can never
// make us read, copy or remove a file outside the tree.
//
// Every directory is opened relative to its parent's descriptor with
// O_NOFOLLOW|O_DIRECTORY, or, from the root's descriptor, with openat2(2)
// RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS (per-component openat where the kernel
// has no openat2). Files are opened relative to their directory's
// descriptor with O_NOFOLLOW|O_NONBLOCK (a FIFO never blocks us) and fstat
// must say "regular file"; callers remove with unlinkat on the same
// descriptor. Names are hostile: any bytes; "." and ".." never come back
// from the walk. Failures are returned (errno or text), never thrown.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <string>

#include "core/c_handles.h"

namespace mugai::cli {

/// Opens the directory `rel` (a relative path, "" = the root itself)
/// beneath `rootFd` without following any symlink on the way and without
/// leaving the tree ("..").
/// @return the descriptor, or an empty one with errno set: ELOOP when a
///   component is a symlink, ENOTDIR when it is not a directory, EXDEV when
///   it would leave the tree, ENOENT when it is gone.
UniqueFd openDirBeneath(int rootFd, const std::string& rel);

/// Like openDirBeneath, creating the missing directories (mode 0750).
UniqueFd makeDirsBeneath(int rootFd, const std::string& rel);

/// Opens `name` in `dirFd` for reading without following a symlink and
/// without blocking on a FIFO; `st` is its fstat.
/// @return "" for a regular file, else why it was not opened or is not
///   taken ("symlink (not followed)", "not a regular file", strerror).
///   errno is kept when the open fails (ENOENT: gone), 0 when it is there
///   but not a regular file.
[[nodiscard]] std::string openFileAt(int dirFd, const std::string& name, UniqueFd& fd, struct stat& st);

/// Why an entry of this mode is not taken: "symlink (not followed)",
/// "special file (FIFO)", "special file (socket)", "special file (device)".
const char* notRegularReason(mode_t mode);

/// Nanoseconds since the epoch of `st`'s mtime.
std::int64_t mtimeNs(const struct stat& st);

/// What one name in the tree is.
enum class EntryKind { File, Directory, Skipped, Error };

struct TreeEntry {
  std::string rel;     ///< path below the walk's root ("a/b.txt")
  std::string name;    ///< its last component
  EntryKind kind = EntryKind::Error;
  std::string why;     ///< Skipped/Error: "symlink (not followed)", "special file (FIFO)", "cannot open: ..."
  struct stat st {};   ///< lstat of the entry (File, Directory, Skipped)
  int dirFd = -1;      ///< Directory: its open descriptor, valid during the call
};

/// Walks everything below `dirFd` (whose own path is `base`, "" at the
/// root) depth first, names in byte order, never following a symlink.
/// `visit` sees every entry; for a directory it returns whether to go in.
void walkTree(int dirFd, const std::string& base, const std::function<bool(const TreeEntry&)>& visit);

}  // namespace mugai::cli
