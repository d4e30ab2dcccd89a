// legacy = "convert": a legacy .doc/.xls/.ppt with active content is
// turned into OOXML by LibreOffice headless, confined, and the OOXML then
// goes through cleanOoxml like any other.
//
// The confinement (runConfined), applied to the launched program before it
// runs a line of its own code:
//   - an empty environment but HOME and TMPDIR, both in a private
//     directory (mkdtemp, 0700) removed with everything in it afterwards;
//     the input is written there as input.doc/.xls/.ppt, never under the
//     sender's name; LibreOffice gets its own profile there, seeded with
//     macro security "very high", macro execution disabled, VBA neither
//     loaded nor kept, links never updated and formulas never recalculated;
//   - new user, network and PID namespaces: no network interface but a
//     loopback that is down (no connection anywhere, not even 127.0.0.1),
//     and every process it starts dies with it. A kernel that refuses
//     unprivileged user namespaces makes the conversion fail (NoSandbox):
//     LibreOffice never runs with network access;
//   - resource limits (address space, CPU time, bytes per written file,
//     open files, no core), no new privileges, killed when mugai dies
//     (PR_SET_PDEATHSIG), and its own process group, killed with SIGKILL
//     when the deadline passes.
// Not confined: file reads and writes are those of mugai's user (no
// Landlock here: pdf_rerender's sandbox.h only offers its whole read-only,
// no-exec sandbox, which LibreOffice cannot run under), and system calls
// are not filtered.
// In a job worker (worker/, whose sandbox forbids starting programs and
// writing files) convertToOoxml runs in the worker's broker
// (core/broker.h, brokered.h): the same code, the document passed as bytes.
// Trust: the document is hostile and so is LibreOffice once it has read
// it; its output is only ever read back as bytes for cleanOoxml. How it
// fails: every failure (no namespaces, no soffice, timeout, crash, no
// output) is a Converted with ok = false and a reason. Never throws for
// bad input.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/pipeline.h"
#include "sanitizers/office_cdr/result.h"

namespace mugai::sanitizers::office_cdr {

/// A private directory (0700) under $TMPDIR or /tmp, removed with its
/// content when the object goes. `path()` is "" when it could not be made.
class PrivateDir {
 public:
  PrivateDir();
  ~PrivateDir();
  PrivateDir(const PrivateDir&) = delete;
  PrivateDir& operator=(const PrivateDir&) = delete;
  const std::string& path() const { return path_; }
  const std::string& error() const { return error_; }

 private:
  std::string path_;
  std::string error_;
};

/// Writes `bytes` to a new file at `path` (0600, never through a link,
/// never over an existing file). False on any error.
bool writePrivateFile(const std::string& path, std::string_view bytes);

/// At most `cap` bytes of the regular file at `path` (not a link the
/// confined program left) into `out`. False when it is missing, not a
/// regular file, larger than `cap` or unreadable.
bool readCappedFile(const std::string& path, std::uint64_t cap, std::string& out);

/// One program run under the confinement described above.
struct ConfinedRun {
  std::vector<std::string> argv;  ///< argv[0]: the program's absolute path (no PATH search)
  std::string home;               ///< HOME and TMPDIR, the whole environment
  std::string workDir;            ///< its working directory
  std::string outputFile;         ///< its stdout and stderr ("" = /dev/null)
  std::chrono::milliseconds timeout{60'000};
  std::uint64_t memoryBytes = 2ull << 30;  ///< RLIMIT_AS
  std::uint32_t cpuSeconds = 120;          ///< RLIMIT_CPU
  std::uint64_t fileBytes = 64ull << 20;   ///< RLIMIT_FSIZE
  std::uint32_t openFiles = 512;           ///< RLIMIT_NOFILE
  bool assumeNoNamespaces = false;         ///< tests: act as on a kernel refusing user namespaces
};

struct RunOutcome {
  enum class Status {
    Exited,      ///< ended by itself: `code` is its exit status
    Signalled,   ///< killed by signal `code` (a crash, a limit)
    TimedOut,    ///< the deadline passed: its process group was killed
    NoSandbox,   ///< the namespaces could not be made: it never ran
    Failed,      ///< could not be started (fork, exec, a limit): it never ran
  };
  Status status = Status::Failed;
  int code = 0;
  std::string detail;  ///< English, "" for Exited 0
};

/// Runs `run` confined and waits for it, at most `run.timeout`.
[[nodiscard]] RunOutcome runConfined(const ConfinedRun& run);

/// What the legacy file is, by the stream it holds.
enum class LegacyKind { Word, Excel, PowerPoint };

struct Converted {
  bool ok = false;
  bool timedOut = false;
  std::string bytes;   ///< ok: the OOXML package
  std::string detail;  ///< !ok: English, why
};

/// The soffice to run: `configured` when set (it must be an absolute path
/// to an executable), else /usr/bin/soffice, else `soffice` in PATH.
/// @return the absolute path, or "" when there is none.
std::string findSoffice(const std::string& configured);

/// Converts one legacy document to OOXML with LibreOffice, confined. One
/// conversion at a time per process.
[[nodiscard]] Converted convertToOoxml(std::string_view legacy, LegacyKind kind, const std::string& soffice,
                                       std::chrono::milliseconds timeout);

/// legacy = "convert" for a legacy file whose judgement (`found`: the
/// office.legacy_* refusals of cleanOle2) was active content: converts it,
/// cleans the OOXML, and returns it Cleaned (named .docx/.xlsx/.pptx) with
/// `found` turned into removals, or refused (office.convert_failed, or the
/// OOXML cleaner's own refusal).
Result convertLegacy(std::string_view bytes, LegacyKind kind, std::vector<Removal> found, const Options& options,
                     ScanContext& ctx);

}  // namespace mugai::sanitizers::office_cdr
