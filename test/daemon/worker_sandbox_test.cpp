// The job workers (core/job/pool.h, worker/sandbox.h) judged from
// outside, by what /proc and the maildir show:
//   - mugaid maps none of the parser libraries; every job worker it starts
//     runs under a seccomp filter with no new privileges, and the parsers
//     are mapped there;
//   - a worker told to do something forbidden (the test-only build flag
//     MUGAI_WORKER_SELFTEST, worker/selftest.h) fails its message closed:
//     never delivered as it was, kept in quarantine whole, a notice
//     instead, while the messages around it are delivered and the daemon
//     goes on; before-queue answers 451; `mugai scan` reports an error;
//   - in a build without the flag (every Release build) the instruction
//     does nothing.
#include <catch2/catch_test_macros.hpp>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "core/quarantine/store.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"
#include "test/common/mugaid_process.h"
#include "test/common/samples.h"

namespace fs = std::filesystem;
using mugai::test::Mugaid;
using mugai::test::waitFor;

namespace {

std::string procFile(int pid, const std::string& name) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/" + name);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Sends each (recipient, message) in its own transaction over one session.
void sendAll(int port, const fs::path& dir, const std::vector<std::pair<std::string, std::string>>& mails) {
  std::string script = "import smtplib\ns = smtplib.SMTP('127.0.0.1', " + std::to_string(port) + ")\n";
  int i = 0;
  for (const auto& [rcpt, bytes] : mails) {
    const fs::path p = dir / ("m" + std::to_string(i++) + ".eml");
    mugai::test::writeFile(p, bytes);
    script += "s.sendmail('sender@example.net', ['" + rcpt + "'], open('" + p.string() + "', 'rb').read())\n";
  }
  script += "s.quit()\n";
  mugai::test::writeFile(dir / "send.py", script);
  auto r = mugai::test::runCommand("python3 " + (dir / "send.py").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
}

std::string selftestMail(const std::string& what) {
  return "From: a@example.net\r\nTo: b@example.lg.jp\r\nSubject: selftest\r\nX-Mugai-Selftest: " + what +
         "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nbody\r\n";
}

const std::vector<std::string> kParserLibraries{"libgmime", "libxml2", "libmagic", "libzip", "libpoppler",
                                                "libqpdf",  "libgsf",  "libdeflate", "libarchive"};

}  // namespace

TEST_CASE("mugaid maps no parser library; every job worker is under seccomp with no new privileges and maps no store library",
          "[mugaid][sandbox]") {
  fs::path d = mugai::test::freshTempDir("mugaid-maps");
  Mugaid daemon(d);
  sendAll(daemon.port(), d,
          {{"soumu@example.lg.jp", mugai::test::mailWith({{"invoice.exe", "application/octet-stream", mugai::test::peImage()}})}});
  REQUIRE(waitFor([&] { return daemon.delivered("soumu@example.lg.jp").size() == 1; }, 20));
  const int pid = mugai::test::mugaidPid(d);
  REQUIRE(pid > 0);
  const std::string maps = procFile(pid, "maps");
  REQUIRE(maps.find("libssl") != std::string::npos);  // the map was read: mugaid's own TLS library is there
  for (const auto& lib : kParserLibraries) {
    INFO("mugaid maps " << lib);
    CHECK(maps.find(lib) == std::string::npos);
  }
  int workers = 0;
  for (int child : mugai::test::childrenOf(pid)) {
    if (procFile(child, "cmdline").find("mugai-job-worker") == std::string::npos) continue;
    ++workers;
    const std::string status = procFile(child, "status");
    INFO(status);
    CHECK(status.find("Seccomp:\t2") != std::string::npos);
    CHECK(status.find("NoNewPrivs:\t1") != std::string::npos);
    // The parsing happens there: GMime is mapped in the worker.
    const std::string workerMaps = procFile(child, "maps");
    CHECK(workerMaps.find("libgmime") != std::string::npos);
    // The stores' libraries are not: no database client, nor the
    // Kerberos, LDAP, SASL and GnuTLS code libpq would bring along.
    for (const char* lib : {"libpq", "libsqlite3", "libkrb5", "libldap", "libsasl2", "libgnutls"}) {
      INFO("a job worker maps " << lib);
      CHECK(workerMaps.find(lib) == std::string::npos);
    }
  }
  CHECK(workers >= 1);
  daemon.stop(SIGTERM);
  fs::remove_all(d);
}

#ifdef MUGAI_WORKER_SELFTEST

TEST_CASE("a job worker told to do something forbidden fails its message closed; the others are delivered",
          "[mugaid][sandbox][selftest]") {
  fs::path d = mugai::test::freshTempDir("mugaid-forbidden");
  Mugaid daemon(d, "\n[worker]\nattempts = 2\n");
  // Something in the quarantine and the spool to reach for.
  sendAll(daemon.port(), d,
          {{"first@example.lg.jp", mugai::test::mailWith({{"invoice.exe", "application/octet-stream", mugai::test::peImage()}})}});
  REQUIRE(waitFor([&] { return daemon.delivered("first@example.lg.jp").size() == 1; }, 20));
  std::string object;
  for (const auto& e : fs::recursive_directory_iterator(d / "q"))
    if (e.is_regular_file() && e.path().extension() == ".gz") object = e.path().string();
  REQUIRE(!object.empty());

  const std::vector<std::string> forbidden{"open:" + object, "open:" + (d / "spool" / "incoming").string(), "shadow",
                                           "write", "socket", "execve", "fork", "ptrace", "crash"};
  std::vector<std::pair<std::string, std::string>> mails;
  for (std::size_t i = 0; i < forbidden.size(); ++i) {
    mails.push_back({"bad" + std::to_string(i) + "@example.lg.jp", selftestMail(forbidden[i])});
    mails.push_back({"ok" + std::to_string(i) + "@example.lg.jp", mugai::test::mailWith({}, "ふつうの本文\r\n")});
  }
  sendAll(daemon.port(), d, mails);

  mugai::quarantine::Store store((d / "q").string());
  for (std::size_t i = 0; i < forbidden.size(); ++i) {
    INFO("instruction " << forbidden[i] << "\n" << daemon.log());
    const std::string bad = "bad" + std::to_string(i) + "@example.lg.jp", ok = "ok" + std::to_string(i) + "@example.lg.jp";
    REQUIRE(waitFor([&] { return daemon.delivered(bad).size() == 1 && daemon.delivered(ok).size() == 1; }, 60));
    const std::string notice = daemon.delivered(bad)[0];
    // Not the message, not an escape: the notice made by mugaid itself.
    CHECK(notice.find("X-Mugai-Selftest") == std::string::npos);
    CHECK(notice.find("SELFTEST-ESCAPED") == std::string::npos);
    CHECK(notice.find("Message withheld") != std::string::npos);
    std::smatch m;
    REQUIRE(std::regex_search(notice, m, std::regex("X-Mugai-Id: ([0-9a-f]{32})")));
    auto item = store.get(m[1]);
    REQUIRE(item);
    CHECK(item->reasons == std::vector<std::string>{"job.worker_crashed"});
    CHECK(store.readOriginal(*item).find("X-Mugai-Selftest: " + forbidden[i]) != std::string::npos);  // kept whole
    CHECK(daemon.delivered(ok)[0].find("X-Mugai-Result: unchanged") != std::string::npos);
  }
  // Each failed twice ([worker] attempts = 2), each time in a fresh worker.
  const std::string log = daemon.log();
  CHECK(log.find("attempt=1/2 (kept in the spool, tried again in a fresh worker)") != std::string::npos);
  CHECK(log.find("attempt=2/2: not delivered, original in quarantine (job.worker_crashed)") != std::string::npos);
  CHECK(log.find("a forbidden system call") != std::string::npos);
  CHECK_FALSE(fs::exists("/tmp/mugai-selftest-escaped"));
  // And it goes on serving.
  sendAll(daemon.port(), d, {{"after@example.lg.jp", mugai::test::mailWith({}, "あとから\r\n")}});
  CHECK(waitFor([&] { return daemon.delivered("after@example.lg.jp").size() == 1; }, 20));
  daemon.stop(SIGTERM);
  fs::remove_all(d);
}

TEST_CASE("a job past [worker] timeout_seconds is killed and fails closed", "[mugaid][sandbox][selftest]") {
  fs::path d = mugai::test::freshTempDir("mugaid-hang");
  Mugaid daemon(d, "\n[worker]\nattempts = 1\ntimeout_seconds = 5\n");
  sendAll(daemon.port(), d, {{"bad@example.lg.jp", selftestMail("hang")}, {"ok@example.lg.jp", mugai::test::mailWith({})}});
  INFO(daemon.log());
  REQUIRE(waitFor([&] { return daemon.delivered("bad@example.lg.jp").size() == 1; }, 60));
  CHECK(daemon.delivered("bad@example.lg.jp")[0].find("Message withheld") != std::string::npos);
  CHECK(waitFor([&] { return daemon.delivered("ok@example.lg.jp").size() == 1; }, 20));
  CHECK(daemon.log().find("code=job.worker_timeout") != std::string::npos);
  daemon.stop(SIGTERM);
  fs::remove_all(d);
}

TEST_CASE("before-queue: a crashed job worker answers 451 and keeps nothing; the next message gets 250",
          "[mugaid][sandbox][selftest][before-queue]") {
  fs::path d = mugai::test::freshTempDir("mugaid-bq-crash");
  Mugaid daemon(d, "mode = \"before-queue\"\n");
  mugai::test::writeFile(d / "crash.eml", selftestMail("crash"));
  mugai::test::writeFile(d / "ok.eml", mugai::test::mailWith({}));
  mugai::test::writeFile(d / "send.py", "import smtplib\ns = smtplib.SMTP('127.0.0.1', " + std::to_string(daemon.port()) +
                                            ")\ns.ehlo()\nfor f in ['crash.eml', 'ok.eml']:\n"
                                            "  s.mail('sender@example.net')\n  s.rcpt('soumu@example.lg.jp')\n"
                                            "  print(f, s.data(open('" + d.string() + "/' + f, 'rb').read()))\ns.quit()\n");
  auto r = mugai::test::runCommand("python3 " + (d / "send.py").string());
  INFO(r.out << daemon.log());
  REQUIRE(r.code == 0);
  CHECK(r.out.find("crash.eml (451") != std::string::npos);
  CHECK(r.out.find("ok.eml (250") != std::string::npos);
  REQUIRE(waitFor([&] { return daemon.delivered("soumu@example.lg.jp").size() == 1; }, 20));
  CHECK(daemon.delivered("soumu@example.lg.jp")[0].find("X-Mugai-Selftest") == std::string::npos);
  daemon.stop(SIGTERM);
  fs::remove_all(d);
}

TEST_CASE("mugai scan: a file whose job worker crashes is an error, nothing is written for it, the rest goes on",
          "[cli][scan][sandbox][selftest]") {
  fs::path d = mugai::test::freshTempDir("scan-crash");
  mugai::test::writeFile(d / "in" / "a.txt", "plain text\n");
  mugai::test::writeFile(d / "in" / "b.eml", selftestMail("crash"));
  mugai::test::writeFile(d / "in" / "c.txt", "more text\n");
  auto r = mugai::test::runCli("scan " + (d / "in").string() + " --out " + (d / "out").string() + " --quarantine " +
                               (d / "q").string() + " --report " + (d / "r.jsonl").string());
  INFO(r.out);
  CHECK(r.code == 4);  // some inputs could not be processed
  CHECK(fs::exists(d / "out" / "a.txt"));
  CHECK(fs::exists(d / "out" / "c.txt"));
  CHECK_FALSE(fs::exists(d / "out" / "b.eml"));
  CHECK_FALSE(fs::exists(d / "out" / "b.eml.removed.txt"));
  const std::string report = mugai::test::readFile(d / "r.jsonl");
  CHECK(report.find("job.worker_crashed") != std::string::npos);
  fs::remove_all(d);
}

#else

TEST_CASE("this build has no worker self-test: the instruction does nothing", "[mugaid][sandbox]") {
  fs::path d = mugai::test::freshTempDir("mugaid-no-selftest");
  Mugaid daemon(d);
  sendAll(daemon.port(), d, {{"soumu@example.lg.jp", selftestMail("crash")}});
  INFO(daemon.log());
  REQUIRE(waitFor([&] { return daemon.delivered("soumu@example.lg.jp").size() == 1; }, 20));
  CHECK(daemon.delivered("soumu@example.lg.jp")[0].find("X-Mugai-Result: unchanged") != std::string::npos);
  CHECK(daemon.log().find("worker_failed") == std::string::npos);
  daemon.stop(SIGTERM);
  fs::remove_all(d);
}

#endif
