// encrypted = "password": a password-protected Office document (ECMA-376
// agile/standard encryption of OOXML in an OLE2 EncryptedPackage, RC4 and
// RC4 CryptoAPI of .doc/.xls/.ppt) is opened with the candidate passwords
// of the message (ScanContext::passwords(): the operator's --password and
// the PPAP passwords quoted in the same mail's text), cleaned like any
// other document, and delivered without the password.
//
// The decryption is done by the msoffcrypto library (Debian package
// python3-msoffcrypto-tool) in one python3 process run by the confinement
// of legacy conversion (convert.h runConfined: private 0700 directory,
// empty environment, user+network+PID namespaces, resource limits,
// deadline); in a job worker that process is started by the worker's
// broker (core/broker.h, brokered.h). One run tries every candidate (at most kMaxPasswordTries),
// so python starts once per document, not once per password.
// The passwords never appear on a command line (any local user can read
// /proc/PID/cmdline, and the child's PID namespace does not hide it from
// the host): they are written NUL-separated to a 0600 file in the private
// directory, which goes with the directory. The program prints only an
// exception's class name, never a password; nothing here logs, reports or
// puts a password in a finding, nor says which candidate fitted.
// Trust: the document, the decrypted bytes and everything the child writes
// are hostile; the output is read back with a size cap and judged by
// cleanOoxml / cleanOle2 (the latter with encrypted = "remove": a document
// encrypted twice is refused). How it fails: no password fits, python3 or
// msoffcrypto missing, no namespaces, timeout, crash -> office.encrypted
// with the reason; the input's deadline -> limit.time. Never throws for
// bad input.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/pipeline.h"
#include "sanitizers/office_cdr/result.h"

namespace mugai::sanitizers::office_cdr {

/// Candidate passwords tried on one document, at most.
inline constexpr std::size_t kMaxPasswordTries = 8;

struct Decrypted {
  enum class Status {
    Opened,      ///< a candidate fitted: `bytes` is the decrypted document
    NoMatch,     ///< every candidate was tried, none fitted
    NoPassword,  ///< there was no candidate to try
    CouldNotTry, ///< the decryption could not run (`detail` says why)
  };
  Status status = Status::CouldNotTry;
  bool timedOut = false;
  std::string bytes;
  std::string detail;  ///< English, never holds a password
};

/// Tries `passwords` (at most kMaxPasswordTries) on `encrypted`, confined.
/// `assumeNoNamespaces`: tests, as on a kernel refusing user namespaces.
[[nodiscard]] Decrypted decryptOffice(std::string_view encrypted, const std::vector<std::string>& passwords,
                                      std::chrono::milliseconds timeout, bool assumeNoNamespaces = false);

/// encrypted = "password" for an OLE2 file judged encrypted by cleanOle2:
/// decrypts it with ctx.passwords(), cleans the decrypted document, and
/// returns it Cleaned with office.encryption_removed first, or refuses it
/// (office.encrypted with why, or the inner cleaner's own refusal).
Result openEncrypted(std::string_view bytes, const Options& options, ScanContext& ctx);

}  // namespace mugai::sanitizers::office_cdr
