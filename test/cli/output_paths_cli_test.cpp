// Every output path of `mugai` is written only as a regular file: a FIFO,
// symlink, device or directory planted where an output, a report or a
// clean copy goes is refused (exit 5) without being opened, so it can
// neither block the command nor redirect the bytes. Commands run under
// `timeout`: writing into a FIFO would block, and the test must fail, not hang.
#include <catch2/catch_test_macros.hpp>

#include <sys/stat.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "test/common/cli_run.h"
#include "test/common/corpus.h"

namespace fs = std::filesystem;
using mugai::test::readFile;

namespace {

const std::string kExeMail =
    "From: Sender <sender@example.net>\r\nTo: soumu@example.lg.jp\r\nSubject: invoice\r\n"
    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
    "--b\r\nContent-Type: application/octet-stream; name=run.exe\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA4fug4AtAnNIbgBTM0h\r\n"
    "--b--\r\n";

// `mugai ARGS` with a deadline: a command stuck opening a FIFO exits 124.
mugai::test::CliRun run(const std::string& args) {
  return mugai::test::runCommand("timeout 20 " + mugai::test::cliCommand(args));
}

bool isFifo(const fs::path& p) { return fs::is_fifo(fs::symlink_status(p)); }
bool isSymlink(const fs::path& p) { return fs::is_symlink(fs::symlink_status(p)); }

void mkfifo(const fs::path& p) { REQUIRE(::mkfifo(p.c_str(), 0600) == 0); }

// A mail kept in quarantine; returns its id.
std::string keptMail(const fs::path& d) {
  mugai::test::writeFile(d / "m.eml", kExeMail);
  auto r = mugai::test::runCli("mail " + (d / "m.eml").string() + " --quarantine " + (d / "q").string() +
                               " --report " + (d / "m.json").string());
  REQUIRE(r.code == 1);
  return nlohmann::json::parse(readFile(d / "m.json"))["id"];
}

}  // namespace

TEST_CASE("quarantine export and release refuse a FIFO or symlink at -o, without blocking", "[cli][output]") {
  fs::path d = mugai::test::freshTempDir("out-quarantine");
  const std::string id = keptMail(d);
  const std::string q = "quarantine --quarantine " + (d / "q").string() + " ";
  mugai::test::writeFile(d / "victim.txt", "precious\n");
  SECTION("export into a FIFO") {
    mkfifo(d / "pub.eml");
    auto r = run(q + "export " + id + " -o " + (d / "pub.eml").string());
    INFO(r.out);
    CHECK(r.code == 5);
    CHECK(r.out.find("FIFO") != std::string::npos);
    CHECK(isFifo(d / "pub.eml"));
  }
  SECTION("export through a symlink") {
    fs::create_symlink(d / "victim.txt", d / "pub.eml");
    auto r = run(q + "export " + id + " -o " + (d / "pub.eml").string());
    INFO(r.out);
    CHECK(r.code == 5);
    CHECK(isSymlink(d / "pub.eml"));
    CHECK(readFile(d / "victim.txt") == "precious\n");
  }
  SECTION("release --raw into a FIFO") {
    mkfifo(d / "rel.eml");
    auto r = run(q + "release " + id + " --raw -o " + (d / "rel.eml").string());
    INFO(r.out);
    CHECK(r.code == 5);
    CHECK(isFifo(d / "rel.eml"));
  }
  SECTION("export to a new regular file and over an old one still works; '-' is stdout") {
    CHECK(run(q + "export " + id + " -o " + (d / "new.eml").string()).code == 0);
    CHECK(readFile(d / "new.eml") == kExeMail);
    mugai::test::writeFile(d / "old.eml", "old\n");
    CHECK(run(q + "export " + id + " -o " + (d / "old.eml").string()).code == 0);
    CHECK(readFile(d / "old.eml") == kExeMail);
    auto r = mugai::test::runCommand("(timeout 20 " + mugai::test::cliCommand(q + "export " + id + " -o -") + " 2>/dev/null)");
    CHECK(r.out == kExeMail);
  }
  fs::remove_all(d);
}

TEST_CASE("mugai file and mail refuse a FIFO, symlink or directory at -o and --report", "[cli][output]") {
  fs::path d = mugai::test::freshTempDir("out-file");
  mugai::test::writeFile(d / "in.txt", "hello\n");
  mugai::test::writeFile(d / "m.eml", kExeMail);
  mugai::test::writeFile(d / "victim.txt", "precious\n");
  const std::string noq = " --no-quarantine";
  SECTION("file -o a symlink") {
    fs::create_symlink(d / "victim.txt", d / "out.txt");
    auto r = run("file " + (d / "in.txt").string() + " -o " + (d / "out.txt").string() + noq);
    INFO(r.out);
    CHECK(r.code == 5);
    CHECK(isSymlink(d / "out.txt"));
    CHECK(readFile(d / "victim.txt") == "precious\n");
  }
  SECTION("file --report a FIFO") {
    mkfifo(d / "r.json");
    auto r = run("file " + (d / "in.txt").string() + " --report " + (d / "r.json").string() + noq);
    INFO(r.out);
    CHECK(r.code == 5);
    CHECK(isFifo(d / "r.json"));
  }
  SECTION("mail -o a FIFO, --report a symlink") {
    mkfifo(d / "out.eml");
    auto r = run("mail " + (d / "m.eml").string() + " -o " + (d / "out.eml").string() + noq);
    INFO(r.out);
    CHECK(r.code == 5);
    CHECK(isFifo(d / "out.eml"));
    fs::create_symlink(d / "victim.txt", d / "r.json");
    r = run("mail " + (d / "m.eml").string() + " --report " + (d / "r.json").string() + noq);
    CHECK(r.code == 5);
    CHECK(readFile(d / "victim.txt") == "precious\n");
  }
  SECTION("file -o a directory") {
    fs::create_directories(d / "dir.txt");
    CHECK(run("file " + (d / "in.txt").string() + " -o " + (d / "dir.txt").string() + noq).code == 5);
    CHECK(fs::is_directory(d / "dir.txt"));
  }
  fs::remove_all(d);
}

TEST_CASE("mugai scan refuses a report through a symlink or into a FIFO, and planted names in OUT", "[cli][output][scan]") {
  fs::path d = mugai::test::freshTempDir("out-scan");
  mugai::test::writeFile(d / "in" / "a.txt", "alpha\n");
  mugai::test::writeFile(d / "in" / "b.txt", "beta\n");
  mugai::test::writeFile(d / "victim.txt", "precious\n");
  const std::string scan = "scan " + (d / "in").string() + " --out " + (d / "out").string() + " --no-quarantine";
  SECTION("--report through a symlink: the link's target is not truncated") {
    fs::create_symlink(d / "victim.txt", d / "r.jsonl");
    auto r = run(scan + " --report " + (d / "r.jsonl").string());
    INFO(r.out);
    CHECK(r.code == 5);
    CHECK(readFile(d / "victim.txt") == "precious\n");
    CHECK(isSymlink(d / "r.jsonl"));
  }
  SECTION("--report into a FIFO") {
    mkfifo(d / "r.jsonl");
    auto r = run(scan + " --report " + (d / "r.jsonl").string());
    INFO(r.out);
    CHECK(r.code == 5);
    CHECK(isFifo(d / "r.jsonl"));
  }
  SECTION("a FIFO and a symlink planted in OUT are left as they are; the other file is written") {
    fs::create_directories(d / "out");
    mkfifo(d / "out" / "a.txt");
    fs::create_symlink(d / "victim.txt", d / "out" / "b.txt");
    auto r = run(scan + " --report " + (d / "r.jsonl").string());
    INFO(r.out);
    CHECK(r.code == 5);
    CHECK(isFifo(d / "out" / "a.txt"));
    CHECK(isSymlink(d / "out" / "b.txt"));
    CHECK(readFile(d / "victim.txt") == "precious\n");
    CHECK(readFile(d / "r.jsonl").find("refused") != std::string::npos);
  }
  SECTION("a report over an old regular file is replaced whole") {
    mugai::test::writeFile(d / "r.jsonl", "old\n");
    CHECK(run(scan + " --report " + (d / "r.jsonl").string()).code == 0);
    CHECK(readFile(d / "r.jsonl").find("\"a.txt\"") != std::string::npos);
    CHECK(readFile(d / "r.jsonl").find("old") == std::string::npos);
  }
  fs::remove_all(d);
}

TEST_CASE("mugai watch leaves a file in IN when a symlink is planted at its output", "[cli][output][watch]") {
  fs::path d = mugai::test::freshTempDir("out-watch");
  mugai::test::writeFile(d / "in" / "x.txt", "ex\n");
  mugai::test::writeFile(d / "victim.txt", "precious\n");
  fs::create_directories(d / "out");
  fs::create_symlink(d / "victim.txt", d / "out" / "x.txt");
  auto r = run("watch " + (d / "in").string() + " --out " + (d / "out").string() + " --quarantine " +
               (d / "q").string() + " --settle 0 --once");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.find("refused") != std::string::npos);
  CHECK(readFile(d / "in" / "x.txt") == "ex\n");  // not removed: its clean copy was not written
  CHECK(isSymlink(d / "out" / "x.txt"));
  CHECK(readFile(d / "victim.txt") == "precious\n");
  fs::remove_all(d);
}
