// See sandbox.h.
#include "sanitizers/pdf_rerender/sandbox.h"

#include <fcntl.h>
#include <seccomp.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>

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

}  // namespace

std::string enterSandbox(const SandboxLimits& limits) {
  if (!setLimit(RLIMIT_AS, limits.memoryBytes) || !setLimit(RLIMIT_CPU, limits.cpuSeconds) ||
      !setLimit(RLIMIT_FSIZE, 0) || !setLimit(RLIMIT_CORE, 0) || !setLimit(RLIMIT_NOFILE, 64))
    return std::string("setrlimit: ") + std::strerror(errno);

  FilterCloser f{seccomp_init(SCMP_ACT_ERRNO(EPERM))};
  if (!f.ctx) return "seccomp_init failed";
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
  // abort() signals itself; nothing else may be signalled.
  rc |= seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(::getpid())));
  // Opening is allowed for reading only (fonts, fontconfig). Any other open
  // fails with EPERM (fontconfig may try to refresh a cache, and copes).
  constexpr scmp_datum_t kWriteFlags = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND;
  rc |= seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, kWriteFlags, O_RDONLY));
  rc |= seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, kWriteFlags, O_RDONLY));
  for (int sc : {SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(fork), SCMP_SYS(vfork), SCMP_SYS(clone),
                 SCMP_SYS(clone3), SCMP_SYS(socket), SCMP_SYS(socketpair), SCMP_SYS(connect), SCMP_SYS(bind),
                 SCMP_SYS(listen), SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(sendto), SCMP_SYS(sendmsg),
                 SCMP_SYS(ptrace), SCMP_SYS(kill), SCMP_SYS(process_vm_writev), SCMP_SYS(creat),
                 SCMP_SYS(unlink), SCMP_SYS(unlinkat), SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(renameat2)})
    rc |= seccomp_rule_add(f.ctx, SCMP_ACT_KILL_PROCESS, sc, 0);
  if (rc != 0) return "seccomp_rule_add failed";
  if (seccomp_load(f.ctx) != 0) return "seccomp_load failed";
  return "";
}

}  // namespace mugai::sanitizers::pdf_rerender
