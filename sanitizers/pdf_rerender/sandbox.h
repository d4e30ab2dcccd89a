// The PDF worker's confinement, installed by the worker on itself before it
// reads a byte of the PDF, in this order: not dumpable, resource limits,
// no new privileges, a Landlock ruleset, then a seccomp filter.
//
// Not dumpable (PR_SET_DUMPABLE 0): another worker taken over by a hostile
// PDF cannot read this one's /proc/PID/mem, fd or environ, nor ptrace it.
//
// Landlock (Linux >= 5.13) decides which files can be opened at all. A
// render worker may read (files and directory listings) only beneath the
// directories poppler, fontconfig and glibc were seen to need when strace
// watched real renders of the corpora in raster and vector mode:
// /etc/fonts and /usr/share/fontconfig (fontconfig's configuration; conf.d
// links into conf.avail), /usr/share/fonts and /usr/local/share/fonts (the
// fonts a PDF names but does not embed), /var/cache/fontconfig and the
// user's ~/.cache/fontconfig or ~/.fontconfig if they exist (fontconfig's
// caches), /usr/share/poppler (poppler-data: CMaps for CJK text) and
// glibc's gconv directory (iconv modules, loaded lazily in vector mode;
// no other library was loaded once the sandbox was up).
// Nothing else: not the spool, the quarantine, /etc/mugai, /proc (so not
// mugaid's nor a sibling's /proc/PID/...), not even /etc/localtime (glibc
// then uses UTC, which no output shows). The --rebuild worker reads nothing
// but its stdin and gets no directory at all. Every write right the
// running kernel knows is handled and never granted; from ABI 4 TCP bind
// and connect, from ABI 6 signals and abstract UNIX sockets outside the
// worker are denied too. A font reached through a symbolic link pointing
// outside these directories cannot be read (poppler then substitutes), nor
// can the service user's own fonts and configuration (~/.fonts,
// ~/.local/share/fonts, ~/.config/fontconfig, which fontconfig looks for):
// install fonts system-wide.
//
// Without Landlock (a kernel before 5.13, or one where landlock is not in
// the active LSM list: see /sys/kernel/security/lsm and the lsm= boot
// parameter) the worker refuses to render: enterSandbox reports
// NoLandlock, the worker exits with kSandboxUnavailable, and the PDF is
// removed as pdf.sandbox_unavailable (fail closed). The alternative,
// opening what fontconfig needs before the filter and denying open
// entirely, cannot work for poppler: FreeType opens the font files by path
// when a page first names the font, so a worker would either hold every
// font of the system open or draw text in non-embedded fonts as nothing,
// silently. A removed PDF with its reason is better than a page with its
// text missing.
//
// The seccomp filter is an allow-list: only the system calls poppler needs
// to parse and draw (memory, opening files read-only, writing to its
// pipes) succeed; any other call fails with EPERM. Starting a program
// (execve), creating a process or thread (fork, clone), opening a socket or
// touching another process kill the worker at once (SIGSYS); an open for
// writing (O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND) fails, and
// RLIMIT_FSIZE is 0: a PDF that takes over the renderer still cannot run,
// spread, phone home, write, or read anything but fonts.
#pragma once

#include <cstdint>
#include <string>

namespace mugai::sanitizers::pdf_rerender {

struct SandboxLimits {
  std::uint64_t memoryBytes = 1ull << 30;  ///< RLIMIT_AS
  std::uint32_t cpuSeconds = 120;          ///< RLIMIT_CPU
  bool readFonts = true;                   ///< false: no file may be opened (the --rebuild worker)
  bool assumeNoLandlock = false;           ///< tests: act as on a kernel without Landlock (it can only refuse)
};

struct SandboxStatus {
  enum class Code {
    Ok,
    NoLandlock,  ///< the kernel has no usable Landlock: do not render (fail closed)
    Failed,      ///< a step failed: do not render
  };
  Code code = Code::Ok;
  std::string detail;  ///< English, "" when Ok
};

/// Confines the calling process as described above; irreversible.
/// @return Ok, or what failed (the worker then exits without rendering).
[[nodiscard]] SandboxStatus enterSandbox(const SandboxLimits& limits);

}  // namespace mugai::sanitizers::pdf_rerender
