// See landlock.h.
#include "core/landlock.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "core/c_handles.h"

namespace mugai::landlock {
namespace {

std::string sysError(const std::string& what) { return what + ": " + std::strerror(errno); }

// The kernel's ruleset attribute as of Landlock ABI 6; an older kernel is
// given only the fields it knows (the size says which), and Debian 12's
// <linux/landlock.h> (ABI 2) has no fields after the first.
struct RulesetAttr {
  std::uint64_t handledAccessFs = 0;
  std::uint64_t handledAccessNet = 0;  // ABI 4
  std::uint64_t scoped = 0;            // ABI 6
};

// Rights newer than Debian 12's header, by their kernel values.
constexpr std::uint64_t kFsRefer = 1ull << 13;     // ABI 2
constexpr std::uint64_t kFsTruncate = 1ull << 14;  // ABI 3
constexpr std::uint64_t kFsIoctlDev = 1ull << 15;  // ABI 5
constexpr std::uint64_t kNetBindTcp = 1ull << 0, kNetConnectTcp = 1ull << 1;       // ABI 4
constexpr std::uint64_t kScopeAbstractUnix = 1ull << 0, kScopeSignal = 1ull << 1;  // ABI 6

/// Every file-system right the kernel's ABI knows: all are handled (denied
/// unless a rule grants them), and the rules grant only reading.
std::uint64_t fsRights(int abi) {
  std::uint64_t r = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;  // ABI 1: EXECUTE .. MAKE_SYM
  if (abi >= 2) r |= kFsRefer;
  if (abi >= 3) r |= kFsTruncate;
  if (abi >= 5) r |= kFsIoctlDev;
  return r;
}

/// Grants reading beneath `path`. A path that is missing, or that this user
/// may not reach anyway (another user's home), grants nothing.
std::string allowRead(int ruleset, const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_PATH | O_CLOEXEC));
  if (!fd) return errno == ENOENT || errno == ENOTDIR || errno == EACCES ? "" : sysError("open " + path);
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return sysError("stat " + path);
  // A rule on a file may only name file rights.
  const std::uint64_t rights =
      S_ISDIR(st.st_mode) ? LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR : LANDLOCK_ACCESS_FS_READ_FILE;
  landlock_path_beneath_attr rule{};
  rule.allowed_access = rights;
  rule.parent_fd = fd.get();
  if (::syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0)
    return sysError("landlock_add_rule " + path);
  return "";
}

}  // namespace

Status restrictToReading(const std::vector<std::string>& readBeneath, bool assumeUnavailable) {
  long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (assumeUnavailable) {
    abi = -1;
    errno = EOPNOTSUPP;  // what a kernel with Landlock built in but not active says
  }
  if (abi < 1)
    return {Status::Code::Unavailable, std::string("Landlock is not available on this kernel (") + std::strerror(errno) + ")"};
  RulesetAttr attr;
  attr.handledAccessFs = fsRights(static_cast<int>(abi));
  std::size_t size = sizeof attr.handledAccessFs;
  if (abi >= 4) {
    attr.handledAccessNet = kNetBindTcp | kNetConnectTcp;
    size += sizeof attr.handledAccessNet;
  }
  if (abi >= 6) {
    attr.scoped = kScopeAbstractUnix | kScopeSignal;
    size += sizeof attr.scoped;
  }
  const UniqueFd ruleset(static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, size, 0)));
  if (!ruleset) return {Status::Code::Failed, sysError("landlock_create_ruleset")};
  for (const std::string& path : readBeneath)
    if (std::string e = allowRead(ruleset.get(), path); !e.empty()) return {Status::Code::Failed, e};
  if (::syscall(SYS_landlock_restrict_self, ruleset.get(), 0) != 0)
    return {Status::Code::Failed, sysError("landlock_restrict_self")};
  return {};
}

}  // namespace mugai::landlock
