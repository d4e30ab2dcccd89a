// The PDF worker's confinement, installed by the worker on itself before it
// reads a byte of the PDF: resource limits, then a seccomp filter.
//
// The filter is an allow-list: only the system calls poppler needs to parse
// and draw (memory, reading files such as fonts, writing to its pipes)
// succeed; any other call fails with EPERM. Starting a program (execve),
// creating a process or thread (fork, clone), opening a socket or touching
// another process kill the worker at once (SIGSYS); an open for writing
// (O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND) fails, and RLIMIT_FSIZE is
// 0: a PDF that takes over the renderer still cannot run, spread, phone
// home or write.
#pragma once

#include <cstdint>
#include <string>

namespace mugai::sanitizers::pdf_rerender {

struct SandboxLimits {
  std::uint64_t memoryBytes = 1ull << 30;  ///< RLIMIT_AS
  std::uint32_t cpuSeconds = 120;          ///< RLIMIT_CPU
};

/// Sets the limits and installs the filter. @return "" or what failed
/// (the worker then exits without rendering: fail closed).
std::string enterSandbox(const SandboxLimits& limits);

}  // namespace mugai::sanitizers::pdf_rerender
