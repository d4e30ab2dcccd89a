// mugai-job-worker: one confined process that parses and sanitizes, for
// mugaid and mugai (core/job/pool.h draws the layout). Not for people:
// its parent starts it with an empty environment, its stdin and stdout as
// the job pipes (core/job/codec.h) and stderr on /dev/null.
//
//   1. reads the setup frame: the config's text, and builds both
//      pipelines (a config error goes back as an error frame);
//   2. forks its broker (core/broker.h), the one helper outside the
//      sandbox, which runs the PDF renderer, LibreOffice and msoffcrypto;
//   3. runs a small built-in message through the pipeline, so what the
//      parsers load on first use (libmagic's database, iconv modules,
//      the thread pool) is loaded before;
//   4. confines itself (worker/sandbox.h) and says ready;
//   5. answers jobs, one at a time, until its stdin closes (its parent
//      replaces it after [worker] max_jobs); freed memory is overwritten
//      (M_PERTURB), so no job finds an earlier job's bytes there. A job that
//      throws ends the worker: the parent fails it closed.
//
// Built with -DMUGAI_WORKER_SELFTEST=ON (tests only; CMake refuses it in a
// Release build), a job whose bytes hold "X-Mugai-Selftest: WHAT" does the
// forbidden thing WHAT first (worker/selftest.h).
#include <malloc.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <exception>
#include <optional>
#include <string>

#include "core/broker.h"
#include "core/config.h"
#include "core/job/codec.h"
#include "core/job/run.h"
#include "core/pipeline.h"
#include "sanitizers/builtin.h"
#include "sanitizers/office_cdr/brokered.h"
#include "sanitizers/pdf_rerender/worker_process.h"
#include "worker/sandbox.h"
#include "worker/selftest.h"

#if defined(__SANITIZE_ADDRESS__)
// Its environment is empty, so CI's ASAN_OPTIONS never reach it: leak
// checking would trace the process at exit (ptrace), which the filter kills.
extern "C" const char* __asan_default_options() { return "detect_leaks=0:abort_on_error=1"; }
#endif

namespace {

using namespace mugai;

constexpr int kIn = 0, kOut = 1;

bool send(job::Tag tag, std::string_view payload) {
  return job::writeAll(kOut, job::frameHeader(tag, payload.size())) && job::writeAll(kOut, payload);
}

[[noreturn]] void refuse(const std::string& why, int code) {
  send(job::Tag::Error, why);
  ::_exit(code);
}

/// One frame from the parent: its tag, or nullopt at EOF / on a bad frame.
std::optional<job::Tag> receive(std::string& payload, std::uint64_t cap) {
  char header[job::kFrameHeaderBytes];
  if (!job::readExact(kIn, header, sizeof header)) return std::nullopt;
  std::uint64_t length = 0;
  const job::Tag tag = job::parseHeader(header, length);
  if (tag == job::Tag::Unknown || length > cap) return std::nullopt;
  payload.resize(length);
  if (!job::readExact(kIn, payload.data(), length)) return std::nullopt;
  return tag;
}

// Step 3: a mail with a Japanese (ISO-2022-JP) text, an HTML part and an
// attachment, so libmagic, iconv and the thread pool are ready.
constexpr std::string_view kWarmUp =
    "From: a@example.jp\r\nTo: b@example.jp\r\nSubject: =?ISO-2022-JP?B?GyRCJEYkOSRIGyhC?=\r\n"
    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n\x1b$B$F$9$H\x1b(B\r\n"
    "--b\r\nContent-Type: text/html; charset=Shift_JIS\r\n\r\n<p>\x83\x65\x83\x58\x83\x67</p>\r\n"
    "--b\r\nContent-Type: application/octet-stream; name=a.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "UEsDBAoAAAAAAA==\r\n--b--\r\n";

}  // namespace

int main() {
  ::prctl(PR_SET_DUMPABLE, 0);
  // Freed memory is overwritten: a worker taken over by a later job finds
  // no bytes of the earlier ones in its freed heap (memory returned to the
  // kernel comes back zeroed anyway). It still sees the jobs after it, up
  // to [worker] max_jobs: max_jobs = 1 gives each input a process of its
  // own (README "Process layout"). Measured in test/bench/run_mail_bench.sh.
  ::mallopt(M_PERTURB, 0xA5);
  std::string payload;
  if (receive(payload, 64 << 20) != job::Tag::Setup) return 2;
  job::Setup setup;
  if (std::string e; !job::decodeSetup(payload, setup, e)) refuse("bad setup frame: " + e, 2);

  Config config;
  std::optional<Pipeline> main, release;
  try {
    if (!setup.texts.empty()) config = parseConfigTexts(setup.texts);
    config.quarantine.enabled = setup.quarantineEnabled;
    config.quarantine.dir = setup.quarantineDir;
    config.notice.consoleKey = setup.consoleKey;
    main.emplace(sanitizers::builtinRegistry().build(config));
    release.emplace(sanitizers::builtinRegistry().build(config.forRelease()));
  } catch (const std::exception& e) {
    refuse(e.what(), 3);  // the parent shows it as a config error
  }
  const Config releaseConfig = config.forRelease();

  broker::addHandler("pdf", &sanitizers::pdf_rerender::runWorkersForBroker);
  broker::addHandler("office.convert", &sanitizers::office_cdr::convertForBroker);
  broker::addHandler("office.decrypt", &sanitizers::office_cdr::decryptForBroker);
  if (std::string e = broker::start(); !e.empty()) refuse("cannot start the broker: " + e, 4);

  try {
    job::runJob({job::Kind::Mail, job::Policy::Main, "00000000000000000000000000000000", "", {}, std::string(kWarmUp)},
                config, *main);
  } catch (const std::exception& e) {
    refuse(std::string("warm-up failed: ") + e.what(), 4);
  }
  if (std::string e = worker::enterSandbox({static_cast<std::uint64_t>(config.worker.memoryMb) << 20,
                                            static_cast<std::uint32_t>(config.worker.cpuSeconds)});
      !e.empty())
    refuse("cannot confine the job worker: " + e, 4);
  if (!send(job::Tag::Ready, "")) return 1;

  const std::uint64_t cap = config.limits.maxMessageBytes + config.limits.maxDecodedBytes + (1 << 20);
  for (;;) {
    const auto tag = receive(payload, cap);
    if (!tag) return 0;  // the parent closed our stdin (or broke the protocol): done
    job::Request request;
    if (std::string e; *tag != job::Tag::Job || !job::decodeRequest(payload, request, e)) refuse("bad job frame: " + e, 2);
    payload.clear();
    payload.shrink_to_fit();
    worker::runSelftest(request.bytes);  // compiled out unless MUGAI_WORKER_SELFTEST
    try {
      const bool rel = request.policy != job::Policy::Main;  // Release and Preview
      const job::Result r = job::runJob(std::move(request), rel ? releaseConfig : config, rel ? *release : *main);
      if (!send(job::Tag::Result, job::encodeResult(r))) return 1;
    } catch (const std::exception& e) {
      refuse(std::string("job failed: ") + e.what(), 5);
    }
  }
}
