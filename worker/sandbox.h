// The job worker's confinement (mugai-job-worker, worker/main.cpp),
// installed on itself after it has built its pipelines and forked its
// broker (core/broker.h), and before it reads the first byte of a job.
// In this order:
//
// Not dumpable: a sibling worker taken over by its own input cannot read
// this one's memory, descriptors or environment through /proc, nor
// ptrace it.
//
// Resource limits: address space ([worker] memory_mb; not in builds with
// AddressSanitizer, whose shadow reservation is terabytes), CPU time over
// its life ([worker] cpu_seconds), no file may grow (RLIMIT_FSIZE 0: a
// write to a file is SIGXFSZ), no core file, 64 descriptors.
//
// No new privileges (PR_SET_NO_NEW_PRIVS), then Landlock
// (core/landlock.h): read-only, and only beneath what the parsers open
// lazily once confined: libmagic's database (/etc/magic, /usr/share/misc,
// /usr/lib/file: each thread's cookie loads it), glibc's gconv modules
// (iconv for ISO-2022-JP, Shift_JIS, EUC-JP ...), and the time zone
// database. Not the spool, the quarantine, /etc/mugai, the TLS key, the
// output tree, /proc, nor any home directory. Without Landlock the worker
// refuses to start (the job fails closed, mugaid logs why).
//
// Then a seccomp allow-list (default: EPERM), on every thread (there must
// be one only: Landlock confines the calling thread). Allowed: memory,
// reading and writing descriptors it already holds (its job pipes, the
// broker's socket), fcntl on descriptor flags (not O_ASYNC, F_SETOWN or
// F_SETSIG: no signals to others that way), opening read-only (not
// O_PATH, not O_TMPFILE), threads (clone with CLONE_THREAD only; clone3
// says ENOSYS so glibc falls back to clone), futexes, clocks, sleeping,
// reading its own limits, signalling itself (abort). Landlock does not
// cover metadata: stat, access and readlink still see whether a path
// exists (not what is in it). Killing the worker at once
// (SIGSYS): execve/execveat, fork/vfork and clone without CLONE_THREAD,
// socket/socketpair/connect/bind/listen/accept/sendto/sendmsg, ptrace,
// process_vm_readv/writev, kill, unlink/rename, mount/chroot/pivot_root,
// bpf, perf_event_open, keyctl. Compared with the PDF worker
// (sanitizers/pdf_rerender/sandbox.h), which reads fonts and may not
// create threads, the job worker reads no fonts and runs the parsers'
// thread pool; both deny every write to a file and every new process.
#pragma once

#include <cstdint>
#include <string>

namespace mugai::worker {

struct Limits {
  std::uint64_t memoryBytes = 4ull << 30;  ///< RLIMIT_AS (ignored under AddressSanitizer)
  std::uint32_t cpuSeconds = 3600;         ///< RLIMIT_CPU
};

/// Confines the calling process as above; irreversible. "" or what failed
/// (the worker then refuses to start).
[[nodiscard]] std::string enterSandbox(const Limits& limits);

}  // namespace mugai::worker
