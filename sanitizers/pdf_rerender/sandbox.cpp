// See sandbox.h.
#include "sanitizers/pdf_rerender/sandbox.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <pwd.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "core/c_handles.h"

namespace mugai::sanitizers::pdf_rerender {
namespace {

struct FilterCloser {
  scmp_filter_ctx ctx;
  ~FilterCloser() { seccomp_release(ctx); }
};

bool setLimit(int resource, rlim_t value) {
  const rlimit r{value, value};
  return ::setrlimit(resource, &r) == 0;
}

std::string sysError(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

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

/// Where fontconfig looks for a user's caches: $HOME, else the passwd
/// entry (strace showed it looking under /root with HOME unset).
std::string homeDir() {
  if (const char* h = std::getenv("HOME"); h && *h) return h;
  const passwd* pw = ::getpwuid(::getuid());
  return pw && pw->pw_dir ? pw->pw_dir : "";
}

/// The directories a render worker may read beneath (sandbox.h says how
/// they were measured). Missing ones are skipped.
std::vector<std::string> fontDirs() {
  std::vector<std::string> dirs{"/etc/fonts", "/usr/share/fontconfig", "/usr/share/fonts", "/usr/local/share/fonts",
                                "/var/cache/fontconfig", "/usr/share/poppler",
                                // glibc's iconv modules, wherever this system keeps them
                                "/usr/lib/x86_64-linux-gnu/gconv", "/usr/lib/aarch64-linux-gnu/gconv",
                                "/usr/lib64/gconv", "/usr/lib/gconv"};
  if (const std::string home = homeDir(); home.size() > 1) {
    dirs.push_back(home + "/.cache/fontconfig");
    dirs.push_back(home + "/.fontconfig");
  }
  return dirs;
}

/// Grants reading beneath `dir`. A path that is missing, or that this user
/// may not reach anyway (another user's home), grants nothing.
std::string allowRead(int ruleset, const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_PATH | O_CLOEXEC));
  if (!fd) return errno == ENOENT || errno == ENOTDIR || errno == EACCES ? "" : sysError(("open " + dir).c_str());
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return sysError(("stat " + dir).c_str());
  // A rule on a file may only name file rights.
  const std::uint64_t rights =
      S_ISDIR(st.st_mode) ? LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR : LANDLOCK_ACCESS_FS_READ_FILE;
  landlock_path_beneath_attr rule{};
  rule.allowed_access = rights;
  rule.parent_fd = fd.get();
  if (::syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0)
    return sysError(("landlock_add_rule " + dir).c_str());
  return "";
}

SandboxStatus landlock(const SandboxLimits& limits) {
  long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (limits.assumeNoLandlock) {
    abi = -1;
    errno = EOPNOTSUPP;  // what a kernel with Landlock built in but not active says
  }
  if (abi < 1)
    return {SandboxStatus::Code::NoLandlock,
            std::string("Landlock is not available on this kernel (") + std::strerror(errno) +
                "); the renderer would be able to read any file, so it does not start"};
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
  if (!ruleset) return {SandboxStatus::Code::Failed, sysError("landlock_create_ruleset")};
  if (limits.readFonts)
    for (const std::string& dir : fontDirs())
      if (std::string e = allowRead(ruleset.get(), dir); !e.empty()) return {SandboxStatus::Code::Failed, e};
  if (::syscall(SYS_landlock_restrict_self, ruleset.get(), 0) != 0)
    return {SandboxStatus::Code::Failed, sysError("landlock_restrict_self")};
  return {};
}

}  // namespace

SandboxStatus enterSandbox(const SandboxLimits& limits) {
  // First, before anything of the PDF is read: a sibling worker taken over
  // by its own PDF must not read this one's memory or descriptors.
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return {SandboxStatus::Code::Failed, sysError("PR_SET_DUMPABLE")};
  if (!setLimit(RLIMIT_AS, limits.memoryBytes) || !setLimit(RLIMIT_CPU, limits.cpuSeconds) ||
      !setLimit(RLIMIT_FSIZE, 0) || !setLimit(RLIMIT_CORE, 0) || !setLimit(RLIMIT_NOFILE, 64))
    return {SandboxStatus::Code::Failed, sysError("setrlimit")};
  // landlock_restrict_self requires it (seccomp_load would set it too).
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return {SandboxStatus::Code::Failed, sysError("PR_SET_NO_NEW_PRIVS")};
  if (SandboxStatus s = landlock(limits); s.code != SandboxStatus::Code::Ok) return s;

  FilterCloser f{seccomp_init(SCMP_ACT_ERRNO(EPERM))};
  if (!f.ctx) return {SandboxStatus::Code::Failed, "seccomp_init failed"};
  int rc = 0;
  for (int sc : {SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(pread64), SCMP_SYS(readv), SCMP_SYS(writev),
                 SCMP_SYS(close), SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(stat),
                 SCMP_SYS(lstat), SCMP_SYS(lseek), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
                 SCMP_SYS(mprotect), SCMP_SYS(brk), SCMP_SYS(madvise), SCMP_SYS(futex), SCMP_SYS(getdents64),
                 SCMP_SYS(getrandom), SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(exit),
                 SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction),
                 SCMP_SYS(sigaltstack), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(fcntl), SCMP_SYS(access),
                 SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(readlink), SCMP_SYS(readlinkat),
                 SCMP_SYS(getcwd), SCMP_SYS(uname), SCMP_SYS(sysinfo), SCMP_SYS(sched_getaffinity),
                 SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(getuid), SCMP_SYS(geteuid),
                 SCMP_SYS(getgid), SCMP_SYS(getegid)})
    rc |= seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, sc, 0);
  // Reading its own dumpable flag (the tests' proof that it is 0); prctl
  // can set nothing else.
  rc |= seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1, SCMP_A0(SCMP_CMP_EQ, PR_GET_DUMPABLE));
  // abort() signals itself; nothing else may be signalled.
  rc |= seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(::getpid())));
  // Opening is allowed for reading only, and Landlock has already limited
  // what may be read to fonts and fontconfig. Any other open fails with
  // EPERM (fontconfig may try to refresh a cache, and copes).
  constexpr scmp_datum_t kWriteFlags = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND;
  rc |= seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, kWriteFlags, O_RDONLY));
  rc |= seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, kWriteFlags, O_RDONLY));
  for (int sc : {SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(fork), SCMP_SYS(vfork), SCMP_SYS(clone),
                 SCMP_SYS(clone3), SCMP_SYS(socket), SCMP_SYS(socketpair), SCMP_SYS(connect), SCMP_SYS(bind),
                 SCMP_SYS(listen), SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(sendto), SCMP_SYS(sendmsg),
                 SCMP_SYS(ptrace), SCMP_SYS(kill), SCMP_SYS(process_vm_writev), SCMP_SYS(creat),
                 SCMP_SYS(unlink), SCMP_SYS(unlinkat), SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(renameat2)})
    rc |= seccomp_rule_add(f.ctx, SCMP_ACT_KILL_PROCESS, sc, 0);
  if (rc != 0) return {SandboxStatus::Code::Failed, "seccomp_rule_add failed"};
  if (seccomp_load(f.ctx) != 0) return {SandboxStatus::Code::Failed, "seccomp_load failed"};
  return {};
}

}  // namespace mugai::sanitizers::pdf_rerender
