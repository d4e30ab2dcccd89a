// See sandbox.h.
#include "worker/sandbox.h"

#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/landlock.h"

namespace mugai::worker {
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

/// What a confined job may still read (sandbox.h says why each).
std::vector<std::string> readable() {
  return {"/etc/magic", "/usr/share/misc", "/usr/lib/file", "/usr/share/file",
          "/usr/lib/x86_64-linux-gnu/gconv", "/usr/lib/aarch64-linux-gnu/gconv", "/usr/lib64/gconv", "/usr/lib/gconv",
          "/usr/share/zoneinfo", "/etc/localtime"};
}

}  // namespace

std::string enterSandbox(const Limits& limits) {
  // Landlock confines the calling thread (and what it creates later): a
  // thread made before this point would parse unconfined.
  std::error_code ec;
  std::size_t threads = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/task", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec))
    ++threads;
  if (ec || threads != 1) return "the job worker has " + std::to_string(threads) + " threads before its sandbox (must be 1)";
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return sysError("PR_SET_DUMPABLE");
#if !defined(__SANITIZE_ADDRESS__)
  if (!setLimit(RLIMIT_AS, limits.memoryBytes)) return sysError("setrlimit(RLIMIT_AS)");
#endif
  if (!setLimit(RLIMIT_CPU, limits.cpuSeconds) || !setLimit(RLIMIT_FSIZE, 0) || !setLimit(RLIMIT_CORE, 0) ||
      !setLimit(RLIMIT_NOFILE, 64))
    return sysError("setrlimit");
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return sysError("PR_SET_NO_NEW_PRIVS");
  if (const landlock::Status s = landlock::restrictToReading(readable()); s.code != landlock::Status::Code::Ok)
    return s.detail + (s.code == landlock::Status::Code::Unavailable
                           ? "; a job worker would be able to read any file, so it does not start"
                           : "");

  FilterCloser f{seccomp_init(SCMP_ACT_ERRNO(EPERM))};
  if (!f.ctx) return "seccomp_init failed";
  int rc = 0;
  for (int sc : {SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(pread64), SCMP_SYS(readv), SCMP_SYS(writev),
                 SCMP_SYS(close), SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(stat),
                 SCMP_SYS(lstat), SCMP_SYS(lseek), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
                 SCMP_SYS(mprotect), SCMP_SYS(brk), SCMP_SYS(madvise), SCMP_SYS(futex), SCMP_SYS(getdents64),
                 SCMP_SYS(getrandom), SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(time),
                 SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(sched_yield), SCMP_SYS(exit),
                 SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction),
                 SCMP_SYS(sigaltstack), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getppid),
                 SCMP_SYS(access), SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(readlink),
                 SCMP_SYS(readlinkat), SCMP_SYS(getcwd), SCMP_SYS(uname), SCMP_SYS(sysinfo),
                 SCMP_SYS(sched_getaffinity), SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(getuid),
                 SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid), SCMP_SYS(getrusage), SCMP_SYS(poll),
                 SCMP_SYS(ppoll), SCMP_SYS(pipe2), SCMP_SYS(dup), SCMP_SYS(membarrier)})
    rc |= seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, sc, 0);
  // Threads for the parsers' pool (core/parallel.h); a clone that would
  // make a process is a new process: killed.
  rc |= seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
  rc |= seccomp_rule_add(f.ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
  rc |= seccomp_rule_add(f.ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);  // its flags cannot be filtered
  // prctl only reads (PR_GET_*: the tests' proof of PR_GET_DUMPABLE);
  // prlimit64 only reads its own limits (glibc's pthread_create asks for
  // the stack size).
  rc |= seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1, SCMP_A0(SCMP_CMP_EQ, PR_GET_DUMPABLE));
  rc |= seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 2, SCMP_A0(SCMP_CMP_EQ, 0), SCMP_A2(SCMP_CMP_EQ, 0));
  // fcntl for descriptor flags only: F_SETOWN/F_SETSIG with O_ASYNC would
  // let it signal another process, which its filter otherwise forbids.
  for (scmp_datum_t cmd : {F_GETFD, F_SETFD, F_GETFL, F_DUPFD_CLOEXEC})
    rc |= seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1, SCMP_A1(SCMP_CMP_EQ, cmd));
  rc |= seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 2, SCMP_A1(SCMP_CMP_EQ, F_SETFL),
                         SCMP_A2(SCMP_CMP_MASKED_EQ, O_ASYNC, 0));
  // abort() signals itself; nothing else may be signalled.
  rc |= seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                         SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(::getpid())));
  // Opening for reading only; Landlock has already limited what. O_PATH
  // (a handle without reading, which Landlock does not check) and
  // O_TMPFILE (O_DIRECTORY among its bits) are refused too.
  constexpr scmp_datum_t kWriteFlags = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_PATH | (__O_TMPFILE & ~O_DIRECTORY);
  rc |= seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, kWriteFlags, O_RDONLY));
  rc |= seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, kWriteFlags, O_RDONLY));
  for (int sc : {SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(fork), SCMP_SYS(vfork), SCMP_SYS(socket),
                 SCMP_SYS(socketpair), SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(listen), SCMP_SYS(accept),
                 SCMP_SYS(accept4), SCMP_SYS(sendto), SCMP_SYS(sendmsg), SCMP_SYS(ptrace), SCMP_SYS(kill),
                 SCMP_SYS(tkill), SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev), SCMP_SYS(creat),
                 SCMP_SYS(unlink), SCMP_SYS(unlinkat), SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(renameat2),
                 SCMP_SYS(mount), SCMP_SYS(umount2), SCMP_SYS(chroot), SCMP_SYS(pivot_root), SCMP_SYS(bpf),
                 SCMP_SYS(perf_event_open), SCMP_SYS(keyctl), SCMP_SYS(unshare), SCMP_SYS(setns)})
    rc |= seccomp_rule_add(f.ctx, SCMP_ACT_KILL_PROCESS, sc, 0);
  if (rc != 0) return "seccomp_rule_add failed";
  rc = seccomp_attr_set(f.ctx, SCMP_FLTATR_CTL_TSYNC, 1);  // every thread, should there be any
  if (rc != 0) return "seccomp TSYNC failed";
  if (seccomp_load(f.ctx) != 0) return "seccomp_load failed";
  return "";
}

}  // namespace mugai::worker
