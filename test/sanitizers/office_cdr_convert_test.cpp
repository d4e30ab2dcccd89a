// legacy = "convert": legacy .doc/.xls/.ppt with active content from the
// shared corpora converted by the confined LibreOffice and cleaned as
// OOXML, judged by test/tools/office_judge.py (zipfile, lxml: no code shared
// with mugai) for active parts left and for a known word of each document;
// and the confinement itself: no network from inside (a listener on
// 127.0.0.1 counts connections), the deadline kills the whole process
// group, an empty environment, fail-closed without user namespaces.
// Five soffice runs at most (about 2 s each on the 2-core VM).
#include <catch2/catch_test_macros.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/c_handles.h"
#include "core/config.h"
#include "sanitizers/office_cdr/convert.h"
#include "sanitizers/office_cdr/office_cdr.h"
#include "sanitizers/office_cdr/ole2.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"
#include "test/common/samples.h"

namespace fs = std::filesystem;
using namespace mugai;
using namespace mugai::sanitizers::office_cdr;
using mugai::test::runCommand;

namespace {

const std::string kPython = "/usr/bin/python3";

Options convertOptions() {
  Options o;
  o.legacy = LegacyPolicy::Convert;
  return o;
}

Result convert(const std::string& bytes, const Options& o = convertOptions()) {
  static const Limits limits;
  ScanContext ctx(limits, std::chrono::steady_clock::now() + std::chrono::seconds(120));
  return cleanOle2(bytes, o, ctx);
}

bool hasCode(const Result& r, const std::string& code) {
  for (const auto& x : r.removals)
    if (x.code == code) return true;
  return false;
}

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// office_judge.py on one file: its JSON verdict.
nlohmann::json judge(const fs::path& file, const std::string& text) {
  auto r = runCommand(kPython + " " + MUGAI_SOURCE_DIR + "/test/tools/office_judge.py --text " + quoted(text) + " " +
                      quoted(file.string()) + " 2>/dev/null");
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

// A scratch directory for one test, removed afterwards.
struct Scratch {
  fs::path dir;
  Scratch() {
    std::string t = (fs::temp_directory_path() / "mugai-convert-test-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    dir = t;
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// A TCP listener on 127.0.0.1 that counts the connections it accepts.
class CountingListener {
 public:
  CountingListener() {
    fd_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(fd_);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    REQUIRE(::listen(fd_.get(), 16) == 0);
    thread_ = std::thread([this] {
      for (;;) {
        const int c = ::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0 || stop_) break;
        ++accepted_;
        ::close(c);
      }
    });
  }
  ~CountingListener() {
    stop_ = true;
    ::shutdown(fd_.get(), SHUT_RDWR);
    thread_.join();
  }
  int port() const { return port_; }
  int accepted() const { return accepted_; }

 private:
  UniqueFd fd_;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

ConfinedRun shell(const std::string& script, const fs::path& dir, std::chrono::milliseconds timeout) {
  ConfinedRun run;
  run.argv = {"/bin/sh", "-c", script};
  run.home = dir.string();
  run.workDir = dir.string();
  run.outputFile = (dir / "out.txt").string();
  run.timeout = timeout;
  return run;
}

std::string slurp(const fs::path& p) { return mugai::test::readFile(p); }

}  // namespace

TEST_CASE("legacy documents with macros or objects come back as clean OOXML under legacy = convert",
          "[office][convert][libreoffice]") {
  if (findSoffice("").empty()) SKIP("LibreOffice (soffice) is not installed");
  const fs::path data = mugai::test::corpora() / "oletools/test-data";
  struct Case {
    const char* file;
    const char* extension;
    const char* expectCode;  // what the legacy judge found, as a removal
    const char* word;        // a word of the document the result must keep
  };
  const Case cases[] = {
      {"oleobj/embedded-simple-2007.doc", "docx", "office.ole_object_removed", "This document contains an embedded file"},
      {"oleobj/embedded-simple-2007.xls", "xlsx", "office.ole_object_removed", "This spreadsheet contains an embedded object"},
      {"oleobj/embedded-simple-2007.ppt", "pptx", "office.ole_object_removed", "This slide contains an embedded object"},
      {"olevba/sample_with_vba.ppt", "pptx", "office.vba_removed", "PPT VBA TEST"},
      {"excel4-macros/excel4_sample_macro.xls", "xlsx", "office.xlm_removed", "Lagadec"},
  };
  Scratch scratch;
  for (const Case& c : cases) {
    INFO(c.file);
    const auto start = std::chrono::steady_clock::now();
    const Result r = convert(slurp(data / c.file));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    UNSCOPED_INFO(c.file << ": " << ms.count() << " ms");
    REQUIRE(r.outcome == Outcome::Cleaned);
    CHECK(r.extension == c.extension);
    CHECK(r.mimeType.find("openxmlformats-officedocument") != std::string::npos);
    CHECK(hasCode(r, c.expectCode));
    for (const auto& x : r.removals) {
      CHECK(x.code.rfind("office.legacy_", 0) != 0);  // removals, not refusals
      CHECK_FALSE(x.detailJa.empty());
    }
    const fs::path out = scratch.dir / (fs::path(c.file).stem().string() + "." + c.extension);
    std::ofstream(out, std::ios::binary) << r.bytes;
    const auto v = judge(out, c.word);
    INFO(v.dump());
    CHECK(v["format"] == "ooxml");
    CHECK(v["ok"] == true);
    CHECK(v["texts"][c.word] == true);
  }
}

TEST_CASE("legacy = convert leaves encrypted and clean legacy files as legacy = remove does",
          "[office][convert][libreoffice]") {
  const fs::path data = mugai::test::corpora() / "oletools/test-data";
  const Result enc = convert(slurp(data / "encrypted/encrypted.doc"));
  REQUIRE(enc.outcome == Outcome::Refuse);
  CHECK(enc.removals.front().code == "office.encrypted");
}

TEST_CASE("legacy = convert without soffice, or with the conversion failing, removes the file as office.convert_failed",
          "[office][convert]") {
  const fs::path data = mugai::test::corpora() / "oletools/test-data";
  Options o = convertOptions();
  o.soffice = "/nonexistent/soffice";
  const Result r = convert(slurp(data / "olevba/sample_with_vba.ppt"), o);
  REQUIRE(r.outcome == Outcome::Refuse);
  CHECK(r.removals.front().code == "office.convert_failed");
  CHECK(r.removals.front().detail.find("not found") != std::string::npos);
  CHECK_FALSE(r.removals.front().detailJa.empty());

  // A "LibreOffice" that exits 0 and writes nothing.
  Scratch s;
  const fs::path fake = s.dir / "soffice";
  std::ofstream(fake) << "#!/bin/sh\nexit 0\n";
  fs::permissions(fake, fs::perms::owner_all);
  o.soffice = fake.string();
  const Result none = convert(slurp(data / "olevba/sample_with_vba.ppt"), o);
  REQUIRE(none.outcome == Outcome::Refuse);
  CHECK(none.removals.front().code == "office.convert_failed");
  CHECK(none.removals.front().detail.find("no document") != std::string::npos);
}

TEST_CASE("the office_cdr config accepts legacy = convert and refuses it without LibreOffice", "[office][convert]") {
  auto parse = [](const std::string& text) { return parseOptions(toml::parse(text), "test.toml"); };
  CHECK(parse("").legacy == LegacyPolicy::Remove);
  CHECK(parse("").convertTimeoutSeconds == 60);
  CHECK_THROWS_AS(parse("legacy = \"convert\"\nsoffice = \"/nonexistent/soffice\""), ConfigError);
  CHECK_THROWS_AS(parse("legacy = \"convert\"\nsoffice = \"relative/soffice\""), ConfigError);
  CHECK_THROWS_AS(parse("legacy = \"rewrite\""), ConfigError);
  const Options o = parse("legacy = \"convert\"\nsoffice = \"/bin/sh\"\nconvert_timeout_seconds = 5");
  CHECK(o.legacy == LegacyPolicy::Convert);
  CHECK(o.convertTimeoutSeconds == 5);
}

TEST_CASE("samples/mugai.toml gives office_cdr its built-in defaults", "[office][convert][config]") {
  const Config sample = loadConfigFile(std::string(MUGAI_SOURCE_DIR) + "/samples/mugai.toml");
  const Options o = parseOptions(test::stageOptions(sample, "office_cdr"), "s");
  const Options d;
  CHECK(o.hyperlinks == d.hyperlinks);
  CHECK(o.legacy == d.legacy);
  CHECK(o.soffice == d.soffice);
  CHECK(o.convertTimeoutSeconds == d.convertTimeoutSeconds);
  CHECK(o.maxParts == d.maxParts);
  CHECK(o.maxPartBytes == d.maxPartBytes);
  CHECK(o.maxRatio == d.maxRatio);
}

TEST_CASE("a confined program cannot reach the network, not even 127.0.0.1", "[office][convert][sandbox]") {
  CountingListener listener;
  Scratch s;
  const std::string connect = "import socket,sys\ns=socket.socket()\ns.settimeout(3)\n"
                              "try:\n s.connect(('127.0.0.1'," + std::to_string(listener.port()) +
                              "))\n print('connected')\nexcept OSError as e:\n print('refused', e.errno)\n sys.exit(3)\n";
  // The listener works from outside the sandbox.
  {
    auto r = runCommand(kPython + " -c " + quoted(connect));
    REQUIRE(r.out.find("connected") != std::string::npos);
  }
  // The kernel completes a connect before the listener's accept() counts
  // it: wait for that count, or it may land after `before` is read.
  REQUIRE(test::waitFor([&] { return listener.accepted() == 1; }, 5));
  const int before = listener.accepted();
  ConfinedRun run;
  run.argv = {kPython, "-c", connect};
  run.home = s.dir.string();
  run.workDir = s.dir.string();
  run.outputFile = (s.dir / "out.txt").string();
  run.timeout = std::chrono::seconds(10);
  const RunOutcome r = runConfined(run);
  INFO(r.detail << " / " << slurp(s.dir / "out.txt"));
  CHECK(r.status == RunOutcome::Status::Exited);
  CHECK(r.code == 3);
  CHECK(slurp(s.dir / "out.txt").find("refused") != std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(listener.accepted() == before);
}

TEST_CASE("a confined program past its deadline is killed with its whole process group", "[office][convert][sandbox]") {
  Scratch s;
  const auto start = std::chrono::steady_clock::now();
  // A child in the background and one in the foreground: both must go.
  const RunOutcome r = runConfined(shell("sleep 30 & echo $! > bg.pid; sleep 30", s.dir, std::chrono::seconds(1)));
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(r.status == RunOutcome::Status::TimedOut);
  CHECK(took < std::chrono::milliseconds(2500));
  // No "sleep 30" of ours is left: the pid the shell wrote (a pid of its
  // namespace) is not looked up; instead no process has our private
  // directory as its working directory any more.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto left = runCommand("for p in /proc/[0-9]*; do [ \"$(readlink $p/cwd 2>/dev/null)\" = " + quoted(s.dir.string()) +
                         " ] && echo $p; done; true");
  CHECK(left.out.empty());
}

TEST_CASE("a confined program gets only HOME and TMPDIR, no new privileges and its limits", "[office][convert][sandbox]") {
  Scratch s;
  const RunOutcome r = runConfined(
      shell("env > env.txt; grep -E '^(NoNewPrivs|Uid)' /proc/self/status > status.txt; ulimit -f > fsize.txt; "
            "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' > net.txt",
            s.dir, std::chrono::seconds(10)));
  REQUIRE(r.status == RunOutcome::Status::Exited);
  CHECK(r.code == 0);
  const std::string env = slurp(s.dir / "env.txt");
  CHECK(env.find("HOME=" + s.dir.string()) != std::string::npos);
  CHECK(env.find("TMPDIR=" + s.dir.string()) != std::string::npos);
  CHECK(env.find("PATH=/") == std::string::npos);  // dash sets PWD itself; nothing of ours leaks
  CHECK(env.find("MUGAI") == std::string::npos);
  CHECK(slurp(s.dir / "status.txt").find("NoNewPrivs:\t1") != std::string::npos);
  CHECK(slurp(s.dir / "fsize.txt") == std::to_string((64ull << 20) / 512) + "\n");  // ulimit -f counts 512-byte blocks
  CHECK(slurp(s.dir / "net.txt") == "lo\n");  // a network namespace of its own: loopback only
}

TEST_CASE("without user namespaces a confined program does not run at all", "[office][convert][sandbox]") {
  Scratch s;
  ConfinedRun run = shell("touch ran", s.dir, std::chrono::seconds(10));
  run.assumeNoNamespaces = true;
  const RunOutcome r = runConfined(run);
  CHECK(r.status == RunOutcome::Status::NoSandbox);
  CHECK(r.detail.find("namespace") != std::string::npos);
  CHECK_FALSE(fs::exists(s.dir / "ran"));
}
