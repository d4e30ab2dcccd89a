// See sandbox.h.
#include "sanitizers/pdf_rerender/sandbox.h"

#include <fcntl.h>
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

#include "core/landlock.h"

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

SandboxStatus landlock(const SandboxLimits& limits) {
  const landlock::Status s =
      landlock::restrictToReading(limits.readFonts ? fontDirs() : std::vector<std::string>{}, limits.assumeNoLandlock);
  switch (s.code) {
    case landlock::Status::Code::Ok: return {};
    case landlock::Status::Code::Unavailable:
      return {SandboxStatus::Code::NoLandlock, s.detail + "; the renderer would be able to read any file, so it does not start"};
    case landlock::Status::Code::Failed: break;
  }
  return {SandboxStatus::Code::Failed, s.detail};
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
