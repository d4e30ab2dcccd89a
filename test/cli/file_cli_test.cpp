// `mugai file` as a user runs it on archives: a removed archive leaves a
// notice instead of a file, a re-packed one is a valid ZIP, an unchanged
// file comes back byte for byte, and originals go to quarantine.
#include <catch2/catch_test_macros.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/quarantine/store.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"

namespace fs = std::filesystem;
using mugai::test::runCli;

TEST_CASE("mugai file: removed, re-packed and unchanged archives", "[cli][zip]") {
  fs::path d = mugai::test::freshTempDir("file-cli");
  const fs::path c = mugai::test::corpora();
  const std::string q = " --quarantine " + (d / "q").string();
  SECTION("a ZIP holding only an .exe is removed: the notice takes its place, the original is kept") {
    auto r = runCli("file " + (c / "clamav-testfiles/usr/share/clamav-testfiles/clam.zip").string() + " -o " +
                    (d / "clean.zip").string() + " --report " + (d / "r.json").string() + q);
    CHECK(r.code == 1);
    CHECK_FALSE(fs::exists(d / "clean.zip"));
    std::string notice = mugai::test::readFile(d / "clean.zip.removed.txt");
    CHECK(notice.find("clam.exe") != std::string::npos);
    std::string id = nlohmann::json::parse(mugai::test::readFile(d / "r.json"))["id"];
    mugai::quarantine::Store store((d / "q").string());
    auto item = store.get(id);
    REQUIRE(item);
    CHECK(store.readOriginal(*item) ==
          mugai::test::readFile(c / "clamav-testfiles/usr/share/clamav-testfiles/clam.zip"));
  }
  SECTION("a Japanese Windows ZIP comes back re-packed with a UTF-8 name that unzip reads") {
    auto r = runCli("file " + (c / "generated-archives/japanese-names/cp932-name-no-utf8-flag.zip").string() + " -o " +
                    (d / "clean.zip").string() + q);
    CHECK(r.code == 1);
    CHECK(mugai::test::runCommand("unzip -Z1 " + (d / "clean.zip").string()).out == "見積書_2024年度.txt\n");
  }
  SECTION("a clean file is copied unchanged and nothing is quarantined") {
    mugai::test::writeFile(d / "note.txt", "議事録\n");
    auto r = runCli("file " + (d / "note.txt").string() + " -o " + (d / "out.txt").string() + q);
    CHECK(r.code == 0);
    CHECK(mugai::test::readFile(d / "out.txt") == "議事録\n");
    CHECK_FALSE(fs::exists(d / "q"));
  }
  fs::remove_all(d);
}
