// The ClamAV body-signature syntax means what ClamAV says it means
// (test/cli/sigs_cli_test.cpp also asks clamscan itself), bad lines are
// reported with their file and line without dropping the others, and a
// compiled database survives a save/load round trip but not damage.
#include <filesystem>
#include <fstream>
#include <set>
#include <span>
#include <string>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "core/match/database.h"
#include "core/match/loader.h"
#include "core/match/matcher.h"
#include "core/match/signature.h"

using namespace mugai::match;
using Catch::Matchers::ContainsSubstring;
namespace fs = std::filesystem;

namespace {

/// Whether the one .ndb line matches `data`.
bool hits(const std::string& ndb, const std::string& data) {
  std::string error;
  auto sig = parseNdbLine(ndb, error);
  INFO(ndb << ": " << error);
  REQUIRE(sig);
  SignatureSet set;
  set.signatures.push_back(*sig);
  auto db = Database::compile(set, error);
  REQUIRE(db);
  Matcher m(db);
  return !m.scan(data).signatures.empty();
}

fs::path tempDir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("mugai-sig-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

}  // namespace

TEST_CASE(".ndb body syntax", "[match][signature]") {
  SECTION("plain hex, case-insensitive") {
    CHECK(hits("A:0:*:414243", "xxABCxx"));
    CHECK(hits("A:0:*:4a4B", "JK"));
    CHECK_FALSE(hits("A:0:*:414243", "xxABDxx"));
  }
  SECTION("?? and nibbles") {
    CHECK(hits("A:0:*:4142??4344", "AB-CD"));
    CHECK(hits("A:0:*:41424?", "ABO"));   // 0x4F: high nibble 4
    CHECK_FALSE(hits("A:0:*:41424?", "ABP"));  // 0x50
    CHECK(hits("A:0:*:4142?3", "ABS"));   // 0x53: low nibble 3
    CHECK_FALSE(hits("A:0:*:4142?3", "ABT"));
  }
  SECTION("gaps") {
    CHECK(hits("A:0:*:4142{2}4344", "AB..CD"));
    CHECK_FALSE(hits("A:0:*:4142{2}4344", "AB...CD"));
    CHECK(hits("A:0:*:4142{1-3}4344", "AB...CD"));
    CHECK_FALSE(hits("A:0:*:4142{1-3}4344", "ABCD"));
    CHECK_FALSE(hits("A:0:*:4142{1-3}4344", "AB....CD"));
    CHECK(hits("A:0:*:4142{-2}4344", "ABCD"));
    CHECK(hits("A:0:*:4142{3-}4344", "AB..........CD"));
    CHECK_FALSE(hits("A:0:*:4142{3-}4344", "AB..CD"));
    CHECK(hits("A:0:*:4142*4344", "AB" + std::string(100000, '.') + "CD"));
    CHECK_FALSE(hits("A:0:*:4142*4344", "CD..AB"));  // order matters
    CHECK(hits("A:0:*:4142{100}4344", "AB" + std::string(100, '.') + "CD"));  // a long fixed gap splits the part
    CHECK_FALSE(hits("A:0:*:4142{100}4344", "AB" + std::string(99, '.') + "CD"));
  }
  SECTION("alternatives") {
    CHECK(hits("A:0:*:41(42|4344)45", "ABE"));
    CHECK(hits("A:0:*:41(42|4344)45", "ACDE"));
    CHECK_FALSE(hits("A:0:*:41(42|4344)45", "ACE"));
  }
  SECTION("offsets") {
    CHECK(hits("A:0:2:4344", "xxCD"));
    CHECK_FALSE(hits("A:0:1:4344", "xxCD"));
    CHECK(hits("A:0:1,2:4344", "...CD"));
    CHECK_FALSE(hits("A:0:1,1:4344", "...CD"));
    CHECK(hits("A:0:EOF-3:4344", "xxCDx"));
    CHECK_FALSE(hits("A:0:EOF-2:4344", "xxCDx"));
    CHECK(hits("A:0:0:4142*4344", "AB..CD"));
    CHECK_FALSE(hits("A:0:0:4142*4344", ".AB..CD"));
  }
}

TEST_CASE("malformed signatures are errors that name the problem", "[match][signature]") {
  std::string e;
  CHECK_FALSE(parseNdbLine("A:0:*", e));
  CHECK_THAT(e, ContainsSubstring("expected"));
  CHECK_FALSE(parseNdbLine("A:0:*:41G2", e));
  CHECK_THAT(e, ContainsSubstring("hex"));
  CHECK_FALSE(parseNdbLine("A:0:*:*4142", e));
  CHECK_THAT(e, ContainsSubstring("gap"));
  CHECK_FALSE(parseNdbLine("A:0:*:41??", e));
  CHECK_THAT(e, ContainsSubstring("two consecutive fixed bytes"));
  CHECK_FALSE(parseNdbLine("A:0:EP+0:4142", e));
  CHECK_THAT(e, ContainsSubstring("not supported"));
  CHECK_FALSE(parseNdbLine("A:0:*:4142!(43|44)", e));
  CHECK_THAT(e, ContainsSubstring("not supported"));
  CHECK_FALSE(parseNdbLine("A:99:*:4142", e));
  CHECK_THAT(e, ContainsSubstring("target"));
  CHECK_FALSE(parseHashLine("abcd:12:X", e));
  CHECK_THAT(e, ContainsSubstring("MD5"));
  CHECK(parseHashLine("44d88612fea8a8f36de82e1278abb02f:*:X", e));
}

TEST_CASE("files and directories load; a bad line is skipped and named", "[match][signature]") {
  const fs::path d = tempDir("load");
  std::ofstream(d / "a.ndb") << "# comment\nGood.One:0:*:41424344\nBad.One:0:*:4\r\nGood.Two:0:*:45464748\n";
  std::ofstream(d / "b.hsb") << "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f:68:Eicar.Sha\n";
  std::ofstream(d / "readme.txt") << "not signatures\n";
  auto set = loadSignatures({d});
  CHECK(set.signatures.size() == 3);
  REQUIRE(set.errors.size() == 1);
  CHECK(set.errors[0].where == (d / "a.ndb").string() + ":3");
  std::vector<SignatureError> warnings;
  std::string error;
  CHECK(loadDatabase({{d.string()}, false, false}, warnings, error));
  CHECK(warnings.size() == 1);
  CHECK_FALSE(loadDatabase({{d.string()}, false, true}, warnings, error));  // strict
  CHECK_THAT(error, ContainsSubstring("a.ndb:3"));
  CHECK_FALSE(loadDatabase({{(d / "missing.ndb").string()}, false, false}, warnings, error));
  CHECK_THAT(error, ContainsSubstring("no such file"));
  fs::remove_all(d);
}

TEST_CASE("a compiled database maps back with the same answers, and damage is refused", "[match][database]") {
  const fs::path d = tempDir("db");
  std::vector<SignatureError> warnings;
  std::string error;
  auto db = loadDatabase({{}, true, false}, warnings, error);
  REQUIRE(db);
  REQUIRE(db->save((d / "db.mugai").string(), error));
  auto mapped = Database::load(d / "db.mugai", error);
  REQUIRE(mapped);
  CHECK(mapped->info().bodySignatures == db->info().bodySignatures);
  // EICAR, built from two halves so that this source file does not hold it.
  const std::string eicar = std::string("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD") + "-ANTIVIRUS-TEST-FILE!$H+H*";
  Matcher a(db), b(mapped);
  const auto ra = a.scan(eicar), rb = b.scan(eicar);
  REQUIRE(ra.signatures.size() == 3);  // body, MD5, SHA-256 (the samples)
  REQUIRE(rb.signatures.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(db->name(ra.signatures[i]) == mapped->name(rb.signatures[i]));
  // Loading through the loader: a .mugai path is mapped, alone.
  CHECK(loadDatabase({{(d / "db.mugai").string()}, true, false}, warnings, error));
  CHECK_FALSE(loadDatabase({{(d / "db.mugai").string(), d.string()}, true, false}, warnings, error));
  CHECK_THAT(error, ContainsSubstring("only signature path"));

  std::string bytes;
  {
    std::ifstream in(d / "db.mugai", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto writeAndLoad = [&](const std::string& content) {
    std::ofstream(d / "bad.mugai", std::ios::binary) << content;
    return Database::load(d / "bad.mugai", error);
  };
  CHECK_FALSE(writeAndLoad(bytes.substr(0, bytes.size() / 2)));
  CHECK_THAT(error, ContainsSubstring("truncated"));
  std::string flipped = bytes;
  flipped[flipped.size() - 100] ^= 1;
  CHECK_FALSE(writeAndLoad(flipped));
  CHECK_THAT(error, ContainsSubstring("checksum"));
  CHECK_FALSE(writeAndLoad("MUGAISIG"));
  fs::remove_all(d);
}

TEST_CASE("hash signatures match by digest and size, in block and streaming scans", "[match][signature]") {
  // The RFC 1321 / FIPS 180 test vectors for "abc".
  std::string e;
  SignatureSet set;
  for (const char* line : {"900150983cd24fb0d6963f7d28e17f72:3:Abc.Md5", "a9993e364706816aba3e25717850c26c9cd0d89d:4:Abc.Sha1.WrongSize",
                           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad:*:Abc.Sha256.AnySize"}) {
    auto sig = parseHashLine(line, e);
    INFO(line << ": " << e);
    REQUIRE(sig);
    set.signatures.push_back(*sig);
  }
  auto db = Database::compile(set, e);
  REQUIRE(db);
  auto names = [&](const MatchResult& r) {
    std::set<std::string> n;
    for (auto s : r.signatures) n.insert(std::string(db->name(s)));
    return n;
  };
  Matcher m(db);
  const std::set<std::string> expected{"Abc.Md5", "Abc.Sha256.AnySize"};
  CHECK(names(m.scan(std::string_view("abc"))) == expected);
  m.begin();
  m.feed(std::as_bytes(std::span("ab", 2)));
  m.feed(std::as_bytes(std::span("c", 1)));
  CHECK(names(m.finish()) == expected);
  CHECK(names(m.scan(std::string_view("abd"))).empty());
  CHECK(names(m.scan(std::string_view("abcd"))).empty());
}
