// `mugai mail` as a user runs it: exit codes, files written, error text.
#include <catch2/catch_test_macros.hpp>

#include <sys/stat.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/quarantine/store.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"

namespace fs = std::filesystem;

namespace {

using mugai::test::CliRun;
CliRun run(const std::string& args) { return mugai::test::runCli(args); }
// With a deadline: a command stuck opening a FIFO exits 124 instead of hanging the test.
CliRun run(const std::string& args, int seconds) {
  return mugai::test::runCommand("timeout " + std::to_string(seconds) + " " + mugai::test::cliCommand(args));
}
fs::path tmpDir() { return mugai::test::freshTempDir("cli-test"); }
void write(const fs::path& p, const std::string& s) { mugai::test::writeFile(p, s); }

}  // namespace

TEST_CASE("mugai mail: exit codes and outputs", "[cli]") {
  fs::path d = tmpDir();
  SECTION("an unchanged message exits 0 and writes the message and report") {
    auto r = run("mail " + (mugai::test::corpora() / "generated-mail-ja/ja-01-iso2022jp-plain.eml").string() + " -o " +
                 (d / "o.eml").string() + " --report " + (d / "r.json").string());
    CHECK(r.code == 0);
    CHECK(r.out.find("unchanged") != std::string::npos);
    CHECK(r.out.find("【見積書】2024年度 ご提案") != std::string::npos);
    auto report = nlohmann::json::parse(mugai::test::readFile(d / "r.json"));
    CHECK(report["verdict"] == "unchanged");
    CHECK(mugai::test::readFile(d / "o.eml").find("X-Mugai-Result: unchanged") != std::string::npos);
  }
  const std::string bad = "Subject: x\r\nContent-Type: text/plain\r\nContent-Type: application/x-msdownload\r\n\r\nMZ\r\n";
  SECTION("a message with a removed part exits 1 and its original is in quarantine under the notice's id") {
    write(d / "bad.eml", bad);
    auto r = run("mail " + (d / "bad.eml").string() + " --quarantine " + (d / "q").string() + " -o " +
                 (d / "out.eml").string() + " --report " + (d / "r.json").string());
    CHECK(r.code == 1);
    CHECK(r.out.find("mime.conflicting_header") != std::string::npos);
    std::string id = nlohmann::json::parse(mugai::test::readFile(d / "r.json"))["id"];
    CHECK(mugai::test::readFile(d / "out.eml").find("X-Mugai-Id: " + id) != std::string::npos);
    mugai::quarantine::Store store((d / "q").string());
    auto item = store.get(id);
    REQUIRE(item);
    CHECK(item->source == "mail");
    CHECK(store.readOriginal(*item) == bad);
  }
  SECTION("when the original cannot be kept, nothing is written and the exit code is 5") {
    write(d / "bad.eml", bad);
    write(d / "not-a-dir", "");
    auto r = run("mail " + (d / "bad.eml").string() + " --quarantine " + (d / "not-a-dir" / "q").string() + " -o " +
                 (d / "out.eml").string());
    CHECK(r.code == 5);
    CHECK(r.out.find("quarantine") != std::string::npos);
    CHECK_FALSE(fs::exists(d / "out.eml"));
  }
  SECTION("--no-quarantine: the message is cleaned and the notice says the original was not kept") {
    write(d / "bad.eml", bad);
    auto r = run("mail " + (d / "bad.eml").string() + " --no-quarantine -o " + (d / "out.eml").string());
    CHECK(r.code == 1);
    CHECK(r.out.find("not kept") != std::string::npos);
    CHECK(fs::exists(d / "out.eml"));
  }
  SECTION("an unreadable input exits 4 and says why") {
    auto r = run("mail " + (d / "missing.eml").string());
    CHECK(r.code == 4);
    CHECK(r.out.find("cannot read") != std::string::npos);
    CHECK(r.out.find("No such file") != std::string::npos);
  }
  SECTION("a bad config exits 3 and names file and line") {
    write(d / "bad.toml", "[limits]\nmax_parts = \"lots\"\n");
    write(d / "ok.eml", "Subject: x\r\n\r\nhi\r\n");
    auto r = run("mail " + (d / "ok.eml").string() + " --config " + (d / "bad.toml").string());
    CHECK(r.code == 3);
    CHECK(r.out.find("bad.toml:2") != std::string::npos);
  }
  SECTION("standard input in, standard output out") {
    write(d / "in.eml", "Subject: pipe\r\nContent-Type: text/plain\r\n\r\nhello\r\n");
    auto r = run("mail - -o - < " + (d / "in.eml").string());
    CHECK(r.code == 0);
    CHECK(r.out.find("X-Mugai-Result: unchanged") != std::string::npos);
    CHECK(r.out.find("hello") != std::string::npos);
  }
  SECTION("-o into a FIFO or device is refused without blocking; '-' is the way to a pipe") {
    write(d / "in.eml", "Subject: x\r\n\r\nhello\r\n");
    REQUIRE(::mkfifo((d / "pipe").c_str(), 0600) == 0);
    // No reader: opening the FIFO would block; `timeout` turns a hang into 124.
    auto r = run("mail " + (d / "in.eml").string() + " -o " + (d / "pipe").string() + " --no-quarantine", 20);
    CHECK(r.code == 5);
    CHECK(r.out.find("FIFO") != std::string::npos);
    CHECK(fs::is_fifo(d / "pipe"));  // still a FIFO, not a file renamed over it
    CHECK(run("mail " + (d / "in.eml").string() + " -o /dev/null --no-quarantine", 20).code == 5);
    auto piped = mugai::test::runCommand("(" + mugai::test::cliCommand("mail " + (d / "in.eml").string() + " -o -") +
                                         " 2>/dev/null) | cat");
    CHECK(piped.out.find("hello") != std::string::npos);
  }
  SECTION("a bad command line exits 3") {
    CHECK(run("mail").code == 3);
    CHECK(run("frobnicate").code == 3);
  }
  fs::remove_all(d);
}
