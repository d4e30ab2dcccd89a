// Landlock (Linux >= 5.13) for our confined processes: after
// restrictToReading(), the calling process (and what it starts) can open
// files only for reading, and only beneath the given paths. Every
// file-system right the running kernel knows is handled and never granted
// but reading; from ABI 4 TCP bind and connect, from ABI 6 signals and
// abstract UNIX sockets outside the process are denied too.
//
// Used by the PDF worker (sanitizers/pdf_rerender/sandbox.h: fonts) and
// the job worker (worker/sandbox.h: the magic database, iconv modules).
// Each documents its own list next to its seccomp filter.
#pragma once

#include <string>
#include <vector>

namespace mugai::landlock {

struct Status {
  enum class Code {
    Ok,
    Unavailable,  ///< the kernel has no usable Landlock (the caller refuses to go on: fail closed)
    Failed,       ///< a step failed
  };
  Code code = Code::Ok;
  std::string detail;  ///< English, "" when Ok
};

/// Confines the calling thread's process as above; irreversible.
/// `readBeneath`: files and directories that may be read (missing or
/// unreachable ones grant nothing). `assumeUnavailable`: tests act as on a
/// kernel without Landlock. Requires PR_SET_NO_NEW_PRIVS first.
[[nodiscard]] Status restrictToReading(const std::vector<std::string>& readBeneath, bool assumeUnavailable = false);

}  // namespace mugai::landlock
