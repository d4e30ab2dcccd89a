// `mugai scan` as an operator runs it over the shared corpora: every input
// accounted for, nothing on the deny list in the output (judged by the
// `file` command, not by our own type code), every changed or removed
// original retrievable from quarantine by hash; reruns skip finished work,
// and a kill -9 in the middle loses nothing and redoes nothing.
#include <catch2/catch_test_macros.hpp>

#include <signal.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "core/quarantine/store.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"

namespace fs = std::filesystem;
using mugai::test::runCli;

namespace {

std::vector<nlohmann::json> readJsonLines(const fs::path& p) {
  std::vector<nlohmann::json> out;
  std::ifstream f(p);
  for (std::string line; std::getline(f, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

std::set<std::string> regularFilesUnder(const fs::path& root) {
  std::set<std::string> out;
  for (auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && !e.is_symlink()) out.insert(fs::relative(e.path(), root).string());
  return out;
}

// Types a town hall's deny list names, as Debian's `file` reports them.
const std::set<std::string> kDenied = {
    "application/x-dosexec",        "application/x-executable",  "application/x-pie-executable",
    "application/x-sharedlib",      "application/x-mach-binary", "application/x-ms-shortcut",
    "application/x-iso9660-image",  "application/x-msi",         "application/vnd.ms-cab-compressed",
    "application/java-archive",     "text/html",                 "application/x-shellscript",
    "text/x-shellscript",           "application/x-bat",         "text/x-msdos-batch",
    "application/hta",              "application/x-ms-ne-executable", "image/svg+xml",
};

std::map<std::string, std::string> fileTypes(const fs::path& root) {
  fs::path list = root.parent_path() / "file-list.txt";
  {
    std::ofstream l(list);
    for (auto& e : fs::recursive_directory_iterator(root))
      if (e.is_regular_file() && e.path().string().find("/.mugai/") == std::string::npos) l << e.path().string() << "\n";
  }
  std::string cmd = "file --no-pad --separator '|' -b --mime-type -f " + list.string() + " > " + list.string() + ".out";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream names(list), types(list.string() + ".out");
  std::map<std::string, std::string> out;
  for (std::string n, t; std::getline(names, n) && std::getline(types, t);) out[n] = t;
  return out;
}

}  // namespace

// These tests are about accounting and crash safety, not drawing: PDFs are
// re-rendered at the lowest resolution with a short deadline (one corpus
// PDF hangs poppler). test/sanitizers/pdf_rerender_test.cpp checks rendering.
std::string fastPdfConfig(const fs::path& d) {
  mugai::test::writeFile(d / "fast-pdf.toml", "[stage.pdf_rerender]\ndpi = 36\ntimeout_seconds = 10\npage_workers = 1\n");
  return " -c " + (d / "fast-pdf.toml").string();
}

TEST_CASE("mugai scan over the corpora: all accounted for, nothing denied out, originals kept", "[cli][scan]") {
  fs::path d = mugai::test::freshTempDir("scan");
  const fs::path corpora = mugai::test::corpora();
  auto r = runCli("scan " + corpora.string() + " --out " + (d / "out").string() + " --report " +
                  (d / "r.jsonl").string() + " --quarantine " + (d / "q").string() + " --jobs 2" + fastPdfConfig(d));
  if (r.code != 0 && r.code != 1) FAIL(r.out.substr(0, 4000));
  CHECK(r.out.find("Summary") != std::string::npos);

  // 1. One report line per input file, each with a final status.
  auto lines = readJsonLines(d / "r.jsonl");
  std::set<std::string> reported;
  for (const auto& l : lines) {
    CHECK(reported.insert(l["rel"].get<std::string>()).second);  // once each
    CHECK(std::set<std::string>{"kept", "changed", "removed"}.count(l["status"].get<std::string>()));
  }
  CHECK(reported == regularFilesUnder(corpora));

  // 2. The output tree holds no file whose true type is denied.
  auto types = fileTypes(d / "out");
  CHECK(types.size() > 1000);
  for (const auto& [path, type] : types) {
    INFO(path << " is " << type);
    CHECK(kDenied.count(type) == 0);
  }

  // 3. Every changed or removed input is in quarantine by hash, byte for byte;
  //    a removed one left its notice, a kept one an identical copy.
  mugai::quarantine::Store store((d / "q").string());
  int changedOrRemoved = 0;
  for (const auto& l : lines) {
    std::string status = l["status"], rel = l["rel"];
    std::string original = mugai::test::readFile(corpora / rel);
    if (status == "kept") {
      // A file is copied byte for byte; a mail is re-emitted with its verdict header.
      std::string copy = mugai::test::readFile(d / "out" / rel);
      if (l["report"]["processed_as"] == "mail") CHECK(copy.find("X-Mugai-Result: unchanged") != std::string::npos);
      else CHECK(copy == original);
      CHECK(fs::last_write_time(d / "out" / rel) == fs::last_write_time(corpora / rel));
      continue;
    }
    ++changedOrRemoved;
    mugai::quarantine::ListFilter f;
    f.sha256 = mugai::sha256Hex(original);
    auto items = store.list(f);
    INFO(rel);
    REQUIRE(!items.empty());
    CHECK(store.readOriginal(items[0]) == original);
    if (status == "removed") {
      CHECK_FALSE(fs::exists(d / "out" / rel));
      std::string notice = mugai::test::readFile(d / "out" / (rel + ".removed.txt"));
      CHECK(notice.find("隔離番号") != std::string::npos);
      CHECK(notice.find(l["quarantine_id"].get<std::string>()) != std::string::npos);
    }
  }
  CHECK(changedOrRemoved > 100);

  // A rerun finds everything done.
  auto again = runCli("scan " + corpora.string() + fastPdfConfig(d) + " --out " + (d / "out").string() + " --report " +
                      (d / "r2.jsonl").string() + " --quarantine " + (d / "q").string());
  CHECK(again.code == 0);
  for (const auto& l : readJsonLines(d / "r2.jsonl")) CHECK(l["status"] == "skipped");
  fs::remove_all(d);
}

TEST_CASE("mugai scan: symlinks and special files are skipped and reported; sources are never written",
          "[cli][scan]") {
  fs::path d = mugai::test::freshTempDir("scan-special");
  mugai::test::writeFile(d / "in" / "a.txt", "hello\n");
  mugai::test::writeFile(d / "in" / "sub" / "run.exe", mugai::test::readFile(mugai::test::corpora() / "clamav-testfiles/usr/share/clamav-testfiles/clam.exe"));
  fs::create_symlink("/etc/passwd", d / "in" / "link");
  REQUIRE(::mkfifo((d / "in" / "fifo").c_str(), 0600) == 0);
  auto before = fs::last_write_time(d / "in" / "a.txt");
  auto r = runCli("scan " + (d / "in").string() + " --out " + (d / "out").string() + " --report " +
                  (d / "r.jsonl").string() + " --quarantine " + (d / "q").string());
  CHECK(r.code == 1);
  std::map<std::string, nlohmann::json> byRel;
  for (auto& l : readJsonLines(d / "r.jsonl")) byRel[l["rel"]] = l;
  CHECK(byRel["link"]["status"] == "skipped");
  CHECK(byRel["fifo"]["status"] == "skipped");
  CHECK(byRel["a.txt"]["status"] == "kept");
  CHECK(byRel["sub/run.exe"]["status"] == "removed");
  CHECK(fs::exists(d / "out" / "sub" / "run.exe.removed.txt"));
  CHECK_FALSE(fs::exists(d / "out" / "link"));
  CHECK(fs::exists(d / "in" / "sub" / "run.exe"));
  CHECK(fs::last_write_time(d / "in" / "a.txt") == before);
  SECTION("an output tree inside the source is never walked; a source inside the output is refused") {
    auto r2 = runCli("scan " + (d / "in").string() + " --out " + (d / "in" / "clean").string() + " --report " +
                     (d / "r2.jsonl").string() + " --quarantine " + (d / "q").string());
    CHECK(r2.code == 1);
    for (auto& l : readJsonLines(d / "r2.jsonl")) CHECK(l["rel"].get<std::string>().rfind("clean", 0) != 0);
    CHECK(runCli("scan " + (d / "in" / "sub").string() + " --out " + (d / "in").string()).code == 3);
  }
  fs::remove_all(d);
}

TEST_CASE("mugai scan: kill -9 in the middle, rerun: nothing lost, nothing done twice", "[cli][scan][crash]") {
  fs::path d = mugai::test::freshTempDir("scan-kill");
  const fs::path corpora = mugai::test::corpora();
  std::string args = "scan " + corpora.string() + " --out " + (d / "out").string() + " --quarantine " +
                     (d / "q").string() + " --jobs 2" + fastPdfConfig(d);
  {
    mugai::test::Background scan(mugai::test::cliCommand(args), d / "killed.log");
    // Killed once some files are recorded as done (seen in the state
    // database), not after a fixed time that a busy machine stretches.
    const std::string recorded =
        "sqlite3 " + (d / "out" / ".mugai" / "scan-state.sqlite").string() + " 'SELECT count(*) FROM done' 2>/dev/null";
    REQUIRE(mugai::test::waitFor(
        [&] {
          auto r = mugai::test::runCommand(recorded);
          return r.code == 0 && !r.out.empty() && r.out != "0\n";
        },
        120));
    int status = scan.stop(SIGKILL);
    REQUIRE(WIFSIGNALED(status));  // killed mid-run, not finished
  }

  auto r = runCli(args + " --report " + (d / "r.jsonl").string());
  if (r.code != 0 && r.code != 1) {
    std::string errors;  // what went wrong, not the skipped lines before it
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);)
      if (line.rfind("skipped", 0) != 0 && line.rfind("kept", 0) != 0 && line.rfind("changed", 0) != 0 &&
          line.rfind("removed", 0) != 0)
        errors += line + "\n";
    FAIL("exit " << r.code << ":\n" << errors.substr(0, 4000));
  }
  auto lines = readJsonLines(d / "r.jsonl");
  std::set<std::string> reported;
  int skipped = 0;
  for (const auto& l : lines) {
    reported.insert(l["rel"].get<std::string>());
    skipped += l["status"] == "skipped";
  }
  CHECK(reported == regularFilesUnder(corpora));
  CHECK(skipped > 0);  // the first run's work was kept
  CHECK(skipped < static_cast<int>(lines.size()));
  // No half-written file anywhere in the output; no original stored twice.
  for (auto& e : fs::recursive_directory_iterator(d / "out"))
    if (e.is_regular_file()) CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
  mugai::quarantine::Store store((d / "q").string());
  mugai::quarantine::ListFilter all;
  all.limit = 1000000;
  std::set<std::string> names;
  for (const auto& item : store.list(all)) {
    INFO(item.filename);
    CHECK(names.insert(item.filename).second);
  }
  auto check = mugai::test::runCommand("sqlite3 " + (d / "q" / "index.sqlite").string() + " 'PRAGMA integrity_check'");
  CHECK(check.out == "ok\n");
  fs::remove_all(d);
}

TEST_CASE("mugai scan: a file over max_decoded_bytes is an error, reported and never copied", "[cli][scan][limits]") {
  fs::path d = mugai::test::freshTempDir("scan-big");
  mugai::test::writeFile(d / "in" / "small.txt", "ok\n");
  mugai::test::writeFile(d / "in" / "big.txt", std::string(2000, 'x'));
  mugai::test::writeFile(d / "c.toml", "[limits]\nmax_decoded_bytes = 1024\n");
  auto r = runCli("scan " + (d / "in").string() + " --out " + (d / "out").string() + " --report " +
                  (d / "r.jsonl").string() + " --quarantine " + (d / "q").string() + " -c " + (d / "c.toml").string());
  CHECK(r.code == 4);
  std::map<std::string, nlohmann::json> byRel;
  for (auto& l : readJsonLines(d / "r.jsonl")) byRel[l["rel"]] = l;
  CHECK(byRel["big.txt"]["status"] == "error");
  CHECK(byRel["big.txt"]["error"].get<std::string>().find("too large") != std::string::npos);
  CHECK(byRel["small.txt"]["status"] == "kept");
  CHECK_FALSE(fs::exists(d / "out" / "big.txt"));
  fs::remove_all(d);
}

namespace {

// `mugai ARGS` with stderr into a one-page pipe that the test reads only
// when it wants to: scan logs a line per file, so it stops at a known
// point once the pipe is full, until the test drains it. stdout goes to `out`.
struct PipedCli {
  pid_t pid = -1;
  int err = -1;
  PipedCli(const std::string& args, const fs::path& out) {
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    REQUIRE(::fcntl(p[0], F_SETPIPE_SZ, 4096) >= 0);
    const std::string cmd = "exec " + mugai::test::cliCommand(args) + " >" + out.string();
    pid = ::fork();
    if (pid == 0) {
      ::dup2(p[1], STDERR_FILENO);
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(p[1]);
    err = p[0];
  }
  ~PipedCli() {
    if (pid > 0) ::kill(pid, SIGKILL), ::waitpid(pid, nullptr, 0);
    ::close(err);
  }
  bool firstOutput(int seconds) {
    pollfd f{err, POLLIN, 0};
    return ::poll(&f, 1, seconds * 1000) == 1;
  }
  // Reads stderr to its end and waits: the exit code and everything logged.
  std::pair<int, std::string> finish() {
    std::string log;
    char buf[4096];
    for (ssize_t n; (n = ::read(err, buf, sizeof buf)) > 0;) log.append(buf, static_cast<std::size_t>(n));
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, log};
  }
};

}  // namespace

TEST_CASE("mugai scan: a folder swapped for a symlink after the walk is not followed", "[cli][scan][symlink]") {
  fs::path d = mugai::test::freshTempDir("scan-swap");
  // In name order, a/fff... come first and log more than the pipe holds;
  // a/z/target.txt comes last. Outside the source: a file by the same name.
  for (int i = 0; i < 60; ++i) mugai::test::writeFile(d / "in" / "a" / (std::string(150, 'f') + std::to_string(i)), "x\n");
  mugai::test::writeFile(d / "in" / "a" / "z" / "target.txt", "inside\n");
  mugai::test::writeFile(d / "outside" / "target.txt", "not in the source\n");
  PipedCli scan("scan " + (d / "in").string() + " --out " + (d / "out").string() + " --quarantine " + (d / "q").string() +
                    " --report " + (d / "r.jsonl").string() + " --jobs 1",
                d / "stdout");
  // The first log line means the walk is over; scan is now held among the
  // a/fff... until we read, so a/z is swapped before scan reaches it.
  REQUIRE(scan.firstOutput(60));
  fs::rename(d / "in" / "a" / "z", d / "in" / ".z-was-here");
  fs::create_symlink(d / "outside", d / "in" / "a" / "z");
  auto [code, log] = scan.finish();
  INFO(log);
  CHECK(code == 4);
  if (fs::exists(d / "out" / "a" / "z" / "target.txt"))
    CHECK(mugai::test::readFile(d / "out" / "a" / "z" / "target.txt") != "not in the source\n");  // read through the symlink
  CHECK_FALSE(fs::exists(d / "out" / "a" / "z" / "target.txt"));
  CHECK(mugai::test::readFile(d / "outside" / "target.txt") == "not in the source\n");
  std::map<std::string, nlohmann::json> byRel;
  for (auto& l : readJsonLines(d / "r.jsonl")) byRel[l["rel"]] = l;
  CHECK(byRel["a/z/target.txt"]["status"] == "error");
  CHECK(byRel["a/" + std::string(150, 'f') + "59"]["status"] == "kept");
  fs::remove_all(d);
}

TEST_CASE("mugai scan: a file name with a newline cannot forge a log line", "[cli][scan][log]") {
  fs::path d = mugai::test::freshTempDir("scan-name");
  mugai::test::writeFile(d / "in" / "a\nkept forged.txt", "hello\n");
  auto r = runCli("scan " + (d / "in").string() + " --out " + (d / "out").string() + " --no-quarantine");
  INFO(r.out);
  CHECK(r.code == 1);  // a name with a control character is removed (name.bidi: it must not show)
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) CHECK(line.rfind("kept forged", 0) != 0);
  CHECK(r.out.find("removed \"a\\x0Akept forged.txt\" (name.bidi)") != std::string::npos);
  fs::remove_all(d);
}

TEST_CASE("mugai scan: a renamed clean copy never takes the name of another input beside it", "[cli][scan][office]") {
  // "a.docm" is delivered macro-free as "a.docx"; with an "a.docx" of its
  // own beside it, that name belongs to the other file (the corpora hold
  // such pairs, and which one was written last used to decide what was lost).
  fs::path d = mugai::test::freshTempDir("scan-rename");
  const fs::path msodde = mugai::test::corpora() / "oletools/test-data/msodde";
  fs::create_directories(d / "in");
  fs::copy_file(msodde / "dde-test.docm", d / "in" / "a.docm");
  fs::copy_file(msodde / "harmless-clean.docx", d / "in" / "a.docx");
  fs::copy_file(msodde / "dde-test.docm", d / "in" / "b.docm");  // no b.docx: the plain macro-free name
  auto r = runCli("scan " + (d / "in").string() + " --out " + (d / "out").string() + " --quarantine " +
                  (d / "q").string() + " --jobs 2");
  INFO(r.out);
  REQUIRE((r.code == 0 || r.code == 1));
  CHECK(mugai::test::readFile(d / "out" / "a.docx") == mugai::test::readFile(d / "in" / "a.docx"));
  REQUIRE(fs::exists(d / "out" / "a.docm.docx"));
  CHECK(fs::exists(d / "out" / "b.docx"));
  CHECK_FALSE(fs::exists(d / "out" / "a.docm"));
  // unzip judges the renamed copy: a document, without a macro project.
  auto list = mugai::test::runCommand("unzip -l " + (d / "out" / "a.docm.docx").string());
  CHECK(list.code == 0);
  CHECK(list.out.find("word/document.xml") != std::string::npos);
  CHECK(list.out.find("vbaProject") == std::string::npos);
}
