// Test-only (MUGAI_WORKER_SELFTEST, off in Release builds): a job whose
// bytes hold the line "X-Mugai-Selftest: WHAT" makes the worker try WHAT
// before it parses anything, to prove its sandbox from the outside:
//
//   open:PATH   open PATH for reading (the spool, a quarantine object)
//   shadow      open /etc/shadow
//   write       create a file in /tmp
//   socket      socket(AF_INET)
//   execve      run /bin/true
//   fork        fork()
//   ptrace      PTRACE_ATTACH to its parent
//   crash       dereference a null pointer (a parser bug)
//   hang        spin until the deadline kills it
//
// Denied with an error, the worker exits with kSelftestDenied; killed by
// its filter, it dies with SIGSYS. Either way the job fails closed. If a
// forbidden thing succeeds, the job "succeeds" with the output
// "SELFTEST-ESCAPED WHAT", which a test can never let pass.
#pragma once

#include <string_view>

namespace mugai::worker {

constexpr int kSelftestDenied = 71;

/// Does what `bytes` asks (see above); returns when it asks nothing, or
/// when built without MUGAI_WORKER_SELFTEST.
void runSelftest(std::string_view bytes);

}  // namespace mugai::worker
