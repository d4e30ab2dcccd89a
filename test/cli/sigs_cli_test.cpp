// `mugai sigs` as an operator uses it, and clamscan as the referee for what
// the .ndb syntax means: the same signature file over the same files must
// name the same signatures per file in both.
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "test/common/cli_run.h"
#include "test/common/samples.h"

namespace fs = std::filesystem;
using Catch::Matchers::ContainsSubstring;
using mugai::test::runCli;
using mugai::test::runCommand;
using mugai::test::writeFile;

namespace {


/// "FILE: NAME FOUND" lines into file name -> signature names.
std::map<std::string, std::set<std::string>> detections(const std::string& out) {
  std::map<std::string, std::set<std::string>> d;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (!line.ends_with(" FOUND")) continue;
    const auto colon = line.rfind(": ", line.size() - 6);
    std::string name = line.substr(colon + 2, line.size() - 6 - colon - 2);
    if (name.ends_with(".UNOFFICIAL")) name.resize(name.size() - 11);  // clamscan marks third-party signatures
    d[fs::path(line.substr(0, colon)).filename().string()].insert(name);
  }
  return d;
}

}  // namespace

TEST_CASE("mugai sigs compile, info and test", "[cli][sigs]") {
  const fs::path d = mugai::test::freshTempDir("sigs-cli");
  writeFile(d / "eicar.txt", mugai::test::eicar());
  writeFile(d / "clean.txt", "nothing to see\n");
  const std::string samples = std::string(MUGAI_SOURCE_DIR) + "/samples/signatures";

  SECTION("compile the samples, map the database, find EICAR") {
    auto r = runCli("sigs compile " + samples + " --no-builtin -o " + (d / "db.mugai").string());
    REQUIRE(r.code == 0);
    CHECK_THAT(r.out, ContainsSubstring("compiled 2 body"));
    r = runCli("sigs info " + (d / "db.mugai").string());
    CHECK(r.code == 0);
    CHECK_THAT(r.out, ContainsSubstring("body signatures (パターン定義): 2"));
    r = runCli("sigs test -d " + (d / "db.mugai").string() + " " + (d / "eicar.txt").string() + " " +
               (d / "clean.txt").string());
    CHECK(r.code == 1);
    CHECK_THAT(r.out, ContainsSubstring("eicar.txt: Mugai.Test.EICAR FOUND"));
    CHECK_THAT(r.out, ContainsSubstring("eicar.txt: Mugai.Test.EICAR.SHA256 FOUND"));
    CHECK_THAT(r.out, ContainsSubstring("clean.txt: OK"));
    CHECK(runCli("sigs test " + (d / "clean.txt").string()).code == 0);  // built-in set, nothing found
  }
  SECTION("a bad line is skipped with its place named; --strict refuses") {
    writeFile(d / "mine.ndb", "Mine.Good:0:*:6e6f7468696e67\nMine.Bad:0:*:6e6\n");
    auto r = runCli("sigs test --no-builtin -d " + (d / "mine.ndb").string() + " " + (d / "clean.txt").string());
    CHECK(r.code == 1);
    CHECK_THAT(r.out, ContainsSubstring("mine.ndb:2") && ContainsSubstring("odd number"));
    CHECK_THAT(r.out, ContainsSubstring("Mine.Good FOUND"));
    r = runCli("sigs test --strict -d " + (d / "mine.ndb").string() + " " + (d / "clean.txt").string());
    CHECK(r.code == 3);
    CHECK_THAT(r.out, ContainsSubstring("mine.ndb:2"));
    r = runCli("sigs test -d " + (d / "nothere").string() + " " + (d / "clean.txt").string());
    CHECK(r.code == 3);
  }
  fs::remove_all(d);
}

TEST_CASE("clamscan and mugai name the same signatures per file", "[cli][sigs][clamscan]") {
  REQUIRE(runCommand("command -v clamscan").code == 0);  // scripts/install-deps.sh --test installs it
  const fs::path d = mugai::test::freshTempDir("sigs-clamscan");
  // Every construct mugai supports, each with files that should and should
  // not match it; the random filler never contains the letters used.
  writeFile(d / "set.ndb",
            "S.Plain:0:*:4d5547414931\n"                // MUGAI1
            "S.Wild:0:*:4d55??4149324142\n"             // MU?AI2AB
            "S.Nibble:0:*:4d5547414933?4\n"             // MUGAI3 + byte with low nibble 4
            "S.Gap:0:*:4d554741{2}4934\n"               // MUGA..I4
            "S.Range:0:*:4d554741{1-3}4935\n"           // MUGA(1-3)I5
            "S.Upto:0:*:4d554741{-2}4936\n"             // MUGA(0-2)I6
            "S.Star:0:*:4d5547414937*5a5a5a\n"          // MUGAI7 ... ZZZ
            "S.Alt:0:*:4d55(4741|5858)4938\n"           // MU(GA|XX)I8
            "S.At:0:4:4d5547414939\n"                   // MUGAI9 at offset 4
            "S.Within:0:2,4:4d554741494a\n"             // MUGAIJ starting at 2..6
            "S.End:0:EOF-6:4d554741494b\n");           // MUGAIK as the last 6 bytes
  std::mt19937 rng(5);
  auto filler = [&](std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(0x80 + rng() % 0x70));  // binary, no ASCII
    return s;
  };
  const std::map<std::string, std::string> files = {
      {"plain", filler(50) + "MUGAI1" + filler(50)},
      {"wild", filler(9) + "MUzAI2AB" + filler(9)},
      {"nibble_yes", filler(9) + "MUGAI3\x94" + filler(9)},
      {"nibble_no", filler(9) + "MUGAI3\x95" + filler(9)},
      {"gap_yes", filler(9) + "MUGA\xa0\xa1I4" + filler(9)},
      {"gap_no", filler(9) + "MUGA\xa0I4" + filler(9)},
      {"range_yes", filler(9) + "MUGA\xa0\xa1\xa2I5" + filler(9)},
      {"range_no", filler(9) + "MUGA\xa0\xa1\xa2\xa3I5" + filler(9)},
      {"upto_yes", filler(9) + "MUGAI6" + filler(9)},
      {"star_yes", filler(9) + "MUGAI7" + filler(5000) + "ZZZ" + filler(9)},
      {"star_no", filler(9) + "ZZZ" + filler(50) + "MUGAI7" + filler(9)},
      {"alt_yes", filler(9) + "MUXXI8" + filler(9)},
      {"alt_no", filler(9) + "MUXGI8" + filler(9)},
      {"at_yes", filler(4) + "MUGAI9" + filler(9)},
      {"at_no", filler(5) + "MUGAI9" + filler(9)},
      {"within_yes", filler(6) + "MUGAIJ" + filler(9)},
      {"within_no", filler(7) + "MUGAIJ" + filler(9)},
      {"end_yes", filler(30) + "MUGAIK"},
      {"end_no", filler(30) + "MUGAIK\x90"},
      {"several", "MUGAI1" + filler(9) + "MUGAI6" + filler(9) + "MUGAIK"},
  };
  std::string args;
  for (const auto& [name, bytes] : files) {
    writeFile(d / name, bytes);
    args += " " + (d / name).string();
  }
  const auto clam = runCommand("clamscan --allmatch --no-summary -d " + (d / "set.ndb").string() + args);
  const auto ours = runCli("sigs test --no-builtin -d " + (d / "set.ndb").string() + args);
  INFO("clamscan:\n" << clam.out << "\nmugai:\n" << ours.out);
  const auto expected = detections(clam.out);
  CHECK(expected.size() >= 12);  // the referee did find the positive cases
  CHECK(detections(ours.out) == expected);
  fs::remove_all(d);
}
