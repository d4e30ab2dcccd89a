// `mugai watch` as a drop-folder service: files are cleaned once complete,
// originals move to quarantine, IN empties; after a kill -9 and a restart
// nothing is lost and nothing is stored twice.
#include <catch2/catch_test_macros.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "core/quarantine/store.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"

namespace fs = std::filesystem;
using mugai::test::waitFor;

namespace {

std::size_t filesUnder(const fs::path& root) {
  std::size_t n = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string()[0] == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    n += it->is_regular_file();
  }
  return n;
}

std::vector<mugai::quarantine::Item> allItems(const fs::path& q) {
  mugai::quarantine::Store store(q.string());
  mugai::quarantine::ListFilter all;
  all.limit = 1000000;
  return store.list(all);
}

const fs::path kClamExe = "clamav-testfiles/usr/share/clamav-testfiles/clam.exe";

}  // namespace

TEST_CASE("mugai watch cleans complete files, keeps every original, and empties the drop folder", "[cli][watch]") {
  fs::path d = mugai::test::freshTempDir("watch");
  fs::create_directories(d / "in");
  mugai::test::Background watch(mugai::test::cliCommand("watch " + (d / "in").string() + " --out " + (d / "out").string() +
                                                        " --quarantine " + (d / "q").string() + " --settle 300"),
                                d / "log");
  REQUIRE(waitFor([&] { return fs::exists(d / "log") && mugai::test::readFile(d / "log").find("watching") != std::string::npos; }, 10));
  mugai::test::writeFile(d / "in" / "report.txt", "quarterly numbers\n");
  fs::copy_file(mugai::test::corpora() / kClamExe, d / "in" / "invoice.exe");
  fs::create_directories(d / "in" / "team");
  mugai::test::writeFile(d / "in" / "team" / "memo.txt", "meeting at 10\n");
  // A slow writer: the first half sits on disk, unchanged, for longer than
  // --settle while the file is still open. It must not be taken half-done.
  // "Longer than --settle" is seen, not slept: a file written after the
  // first half has settled and been cleaned meanwhile.
  {
    std::ofstream slow(d / "in" / "slow.txt", std::ios::binary);
    slow << "first half\n" << std::flush;
    mugai::test::writeFile(d / "in" / "marker.txt", "after the first half\n");
    REQUIRE(waitFor([&] { return fs::exists(d / "out" / "marker.txt"); }, 20));
    slow << "second half\n";
  }
  REQUIRE(waitFor([&] { return filesUnder(d / "in") == 0; }, 20));
  INFO(mugai::test::readFile(d / "log"));
  CHECK(mugai::test::readFile(d / "out" / "report.txt") == "quarterly numbers\n");
  CHECK(mugai::test::readFile(d / "out" / "team" / "memo.txt") == "meeting at 10\n");
  CHECK(mugai::test::readFile(d / "out" / "slow.txt") == "first half\nsecond half\n");
  CHECK_FALSE(fs::exists(d / "out" / "invoice.exe"));
  CHECK(mugai::test::readFile(d / "out" / "invoice.exe.removed.txt").find("隔離番号") != std::string::npos);
  auto items = allItems(d / "q");
  CHECK(items.size() == 5);  // every original, changed or not
  std::set<std::string> names;
  for (const auto& it : items) names.insert(it.filename);
  CHECK(names == std::set<std::string>{"report.txt", "invoice.exe", "team/memo.txt", "slow.txt", "marker.txt"});
  int status = watch.stop(SIGTERM);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  fs::remove_all(d);
}

TEST_CASE("mugai watch: kill -9 mid-batch, restart: nothing lost, nothing stored twice", "[cli][watch][crash]") {
  fs::path d = mugai::test::freshTempDir("watch-kill");
  std::vector<fs::path> sources;
  for (auto& e : fs::directory_iterator(mugai::test::corpora() / "generated-mail-ja")) sources.push_back(e.path());
  for (auto& e : fs::directory_iterator(mugai::test::corpora() / "clamav-testfiles/usr/share/clamav-testfiles"))
    sources.push_back(e.path());
  std::set<std::string> expected;
  fs::create_directories(d / "in");
  for (const auto& s : sources) {
    fs::copy_file(s, d / "in" / s.filename(), fs::copy_options::none);
    expected.insert(s.filename().string());
  }
  REQUIRE(expected.size() > 40);
  const std::string args = "watch " + (d / "in").string() + " --out " + (d / "out").string() + " --quarantine " +
                           (d / "q").string() + " --settle 0";
  {
    mugai::test::Background watch(mugai::test::cliCommand(args), d / "log1");
    REQUIRE(waitFor([&] { return filesUnder(d / "in") < expected.size() - 5; }, 20));
    int status = watch.stop(SIGKILL);
    REQUIRE(WIFSIGNALED(status));
  }
  REQUIRE(filesUnder(d / "in") > 0);  // killed mid-batch
  auto again = mugai::test::runCli(args + " --once");
  INFO(again.out);
  REQUIRE(again.code == 0);
  CHECK(filesUnder(d / "in") == 0);
  // Every file came out once: a clean copy or a notice, never both, never neither.
  for (const auto& name : expected) {
    INFO(name);
    CHECK(fs::exists(d / "out" / name) != fs::exists(d / "out" / (name + ".removed.txt")));
  }
  for (auto& e : fs::recursive_directory_iterator(d / "out"))
    if (e.is_regular_file() && e.path().string().find("/.mugai/") == std::string::npos)
      CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
  // Every original stored exactly once.
  std::multiset<std::string> stored;
  for (const auto& it : allItems(d / "q")) stored.insert(it.filename);
  CHECK(std::set<std::string>(stored.begin(), stored.end()) == expected);
  CHECK(stored.size() == expected.size());
  fs::remove_all(d);
}

TEST_CASE("mugai watch: a file it cannot take moves aside in IN, never to OUT", "[cli][watch][limits]") {
  fs::path d = mugai::test::freshTempDir("watch-big");
  mugai::test::writeFile(d / "in" / "big.bin", std::string(2000, 'x'));
  mugai::test::writeFile(d / "c.toml", "[limits]\nmax_decoded_bytes = 1024\n");
  auto r = mugai::test::runCli("watch " + (d / "in").string() + " --out " + (d / "out").string() + " --quarantine " +
                               (d / "q").string() + " -c " + (d / "c.toml").string() + " --settle 0 --once");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(fs::exists(d / "in" / ".mugai-failed" / "big.bin"));
  CHECK_FALSE(fs::exists(d / "in" / "big.bin"));
  CHECK_FALSE(fs::exists(d / "out" / "big.bin"));
  CHECK_FALSE(fs::exists(d / "out" / "big.bin.removed.txt"));
  CHECK(r.out.find("too large") != std::string::npos);
  fs::remove_all(d);
}

TEST_CASE("mugai watch: a folder swapped for a symlink before its file is taken: nothing outside IN is touched",
          "[cli][watch][symlink]") {
  fs::path d = mugai::test::freshTempDir("watch-swap");
  fs::create_directories(d / "in" / "sub");
  mugai::test::writeFile(d / "outside" / "a.txt", "not in the drop folder\n");
  const auto outsideTime = fs::last_write_time(d / "outside" / "a.txt");
  mugai::test::Background watch(mugai::test::cliCommand("watch " + (d / "in").string() + " --out " + (d / "out").string() +
                                                        " --quarantine " + (d / "q").string() + " --settle 0"),
                                d / "log");
  auto log = [&] { return fs::exists(d / "log") ? mugai::test::readFile(d / "log") : std::string(); };
  REQUIRE(waitFor([&] { return log().find("watching") != std::string::npos; }, 10));  // IN/sub is watched
  // The attacker keeps an upload open, so watch waits for its close, swaps
  // the folder for a symlink to a folder outside IN holding the same name,
  // and then closes the upload: watch takes "sub/a.txt" only now, after
  // the swap, whatever the timing.
  {
    std::ofstream upload(d / "in" / "sub" / "a.txt", std::ios::binary);
    upload << "decoy\n" << std::flush;
    fs::rename(d / "in" / "sub", d / "in" / ".sub-was-here");
    fs::create_symlink(d / "outside", d / "in" / "sub");
  }
  REQUIRE(waitFor([&] { return log().find("sub/a.txt") != std::string::npos; }, 20));
  INFO(log());
  CHECK(log().find("skipped sub/a.txt") != std::string::npos);
  // Outside IN: not read into OUT, not quarantined, not removed, not changed.
  CHECK(mugai::test::readFile(d / "outside" / "a.txt") == "not in the drop folder\n");
  CHECK(fs::last_write_time(d / "outside" / "a.txt") == outsideTime);
  CHECK_FALSE(fs::exists(d / "out" / "sub" / "a.txt"));
  CHECK(allItems(d / "q").empty());
  watch.stop(SIGTERM);
  fs::remove_all(d);
}

TEST_CASE("mugai watch: a file name with a newline cannot forge a log line", "[cli][watch][log]") {
  fs::path d = mugai::test::freshTempDir("watch-name");
  mugai::test::writeFile(d / "in" / "a\nkept forged.txt -> /etc/passwd [quarantine x]", "hello\n");
  auto r = mugai::test::runCli("watch " + (d / "in").string() + " --out " + (d / "out").string() + " --quarantine " +
                               (d / "q").string() + " --settle 0 --once");
  INFO(r.out);
  CHECK(r.code == 0);
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) CHECK(line.rfind("kept forged", 0) != 0);
  CHECK(r.out.find("kept \"a\\x0Akept forged.txt -> /etc/passwd [quarantine x]\"") != std::string::npos);
  fs::remove_all(d);
}
