// signature_scan in the pipeline, with the built-in sample set: every ClamAV
// test file is named, directly and inside the archives zip_scan opens; EICAR
// is found however a mail carries it; the benign corpora raise nothing; and
// on_match = "reject" refuses the message.
#include <filesystem>
#include <set>
#include <string>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "core/config.h"
#include "core/file_job.h"
#include "core/match/loader.h"
#include "core/match/matcher.h"
#include "sanitizers/builtin.h"
#include "sanitizers/signature_scan/signature_scan.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"
#include "test/common/samples.h"

namespace fs = std::filesystem;
using namespace mugai;
using Catch::Matchers::ContainsSubstring;

namespace {


FileOutcome clean(std::string bytes, const std::string& name, const Config& config = test::defaultConfig()) {
  const Pipeline pipeline = sanitizers::builtinRegistry().build(config);
  return processFile(std::move(bytes), name, config, pipeline, "0");
}

/// Every signature.match reason in the tree ("matched signature X").
std::vector<std::string> matches(const FileOutcome& o) {
  std::vector<std::string> reasons;
  o.input.root->forEach([&](const Node& n) {
    if (n.reasonCode == "signature.match") reasons.push_back(n.reason);
  });
  return reasons;
}

bool named(const FileOutcome& o, const std::string& sig) {
  for (const auto& r : matches(o))
    if (r.find(sig) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("every ClamAV test file is named by the sample set", "[signature_scan][corpus]") {
  const fs::path dir = test::corpora() / "clamav-testfiles/usr/share/clamav-testfiles";
  std::vector<match::SignatureError> warnings;
  std::string error;
  const auto db = match::loadDatabase({{}, true, true}, warnings, error);  // strict: the samples have no bad line
  REQUIRE(db);
  match::Matcher matcher(db);
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (!name.starts_with("clam")) continue;
    ++files;
    INFO(name);
    const std::string bytes = test::readFile(e.path());
    const auto direct = matcher.scan(bytes);
    const FileOutcome o = clean(bytes, name);
    if (name == "clam.zip") {
      // Opened by zip_scan: found inside, on the entry.
      CHECK(direct.signatures.empty());
      CHECK(named(o, "Mugai.Test.ClamAV-TestFile"));
      CHECK(o.report.dump().find("clam.exe") != std::string::npos);
    } else {
      REQUIRE_FALSE(direct.signatures.empty());
      CHECK(db->name(direct.signatures[0]).starts_with("Mugai.Test.ClamAV-TestFile"));
      // Through the pipeline: a mail is decoded and the attachment named;
      // any other file is named as a whole.
      CHECK(named(o, "Mugai.Test.ClamAV-TestFile"));
    }
    CHECK(o.verdict != Verdict::Unchanged);
  }
  CHECK(files == 44);
}

TEST_CASE("EICAR is found however it travels", "[signature_scan][eicar]") {
  SECTION("as a file") { CHECK(named(clean(mugai::test::eicar(), "eicar.com"), "Mugai.Test.EICAR")); }
  SECTION("after a prefix (a substring rule)") { CHECK(named(clean("x" + mugai::test::eicar(), "e.txt"), "Mugai.Test.EICAR")); }
  SECTION("as a mail attachment with an innocent name and type") {
    const auto o = clean(test::mailWith({{"readme.txt", "text/plain", mugai::test::eicar()}}), "m.eml");
    CHECK(named(o, "Mugai.Test.EICAR"));
    CHECK_THAT(o.notice, ContainsSubstring("Mugai.Test.EICAR"));
  }
  SECTION("inside a ZIP, and a ZIP inside a ZIP") {
    const std::string inner = test::storedZip({{"eicar.txt", mugai::test::eicar()}});
    const auto o = clean(test::mailWith({{"a.zip", "application/zip", test::storedZip({{"b.zip", inner}, {"ok.txt", "hi"}})}}),
                         "m.eml");
    CHECK(named(o, "Mugai.Test.EICAR"));
  }
  SECTION("on_match = reject refuses the whole message") {
    const Config c = parseConfig("[stage.signature_scan]\non_match = \"reject\"\n", "r.toml");
    const auto o = clean(test::mailWith({{"readme.txt", "text/plain", mugai::test::eicar()}}), "m.eml", c);
    CHECK(o.verdict == Verdict::Rejected);
  }
  SECTION("without the built-in set and no other source, nothing is named") {
    const Config c = parseConfig("[stage.signature_scan]\nbuiltin = false\n", "n.toml");
    CHECK(matches(clean(mugai::test::eicar(), "eicar.txt", c)).empty());
  }
}

TEST_CASE("a flood of partial matches cannot hide a signature: the part is removed", "[signature_scan][limits]") {
  // "AB" then "CD" anywhere after: 4.3 M occurrences of the first part are
  // more than the matcher keeps (kMaxPartials), so it cannot finish.
  const fs::path d = test::freshTempDir("sig-flood");
  test::writeFile(d / "two.ndb", "Two.Parts:0:*:4142*4344\n");
  const Config c = parseConfig("[pipeline]\nstages = [\"signature_scan\"]\n[stage.signature_scan]\nbuiltin = false\n"
                               "signatures = [\"" + (d / "two.ndb").string() + "\"]\n",
                               "flood.toml");
  std::string flood;
  for (std::size_t i = 0; i < (std::size_t{1} << 22) + 100'000; ++i) flood += "AB";
  const FileOutcome o = clean(flood + "CD", "flood.bin", c);
  CHECK(o.input.root->reasonCode == "signature.incomplete");
  CHECK(o.removed);
  // A few of them are matched normally.
  CHECK(named(clean("xxABxxCD", "few.bin", c), "Two.Parts"));
  fs::remove_all(d);
}

TEST_CASE("benign mail corpora raise no signature", "[signature_scan][corpus]") {
  const Pipeline pipeline = sanitizers::builtinRegistry().build(test::defaultConfig());
  std::size_t files = 0;
  for (const char* dir : {"generated-mail-ja", "joruri-mail", "mime4j", "mimekit", "mikel-mail", "enmime",
                          "stalwart-mail-parser", "zbateson-mail-mime-parser", "gmime", "cassandane"}) {
    for (const auto& e : fs::recursive_directory_iterator(test::corpora() / dir)) {
      if (!e.is_regular_file() || e.file_size() > (4u << 20)) continue;
      ++files;
      const FileOutcome o = processFile(test::readFile(e.path()), e.path().filename().string(), test::defaultConfig(),
                                        pipeline, "0");
      INFO(e.path());
      CHECK(matches(o).empty());
    }
  }
  CHECK(files > 1000);
}

TEST_CASE("[stage.signature_scan] config", "[signature_scan][config]") {
  auto build = [](const std::string& body) {
    return sanitizers::builtinRegistry().build(parseConfig("[stage.signature_scan]\n" + body, "s.toml"));
  };
  CHECK_THROWS_WITH(build("on_match = \"drop\"\n"), ContainsSubstring("s.toml:2") && ContainsSubstring("reject"));
  CHECK_THROWS_WITH(build("signatures = [\"/nonexistent/x.ndb\"]\n"), ContainsSubstring("no such file"));
  CHECK_THROWS_WITH(build("signature = []\n"), ContainsSubstring("signature"));
}

TEST_CASE("[stage.signature_scan] the sample spells out the defaults", "[signature_scan][config]") {
  Config sample = loadConfigFile(std::string(MUGAI_SOURCE_DIR) + "/samples/mugai.toml");
  const auto o = sanitizers::signature_scan::parseOptions(test::stageOptions(sample, "signature_scan"), "s");
  const sanitizers::signature_scan::Options d;
  CHECK(o.source.paths == d.source.paths);
  CHECK(o.source.builtin == d.source.builtin);
  CHECK(o.source.strict == d.source.strict);
  CHECK(o.reject == d.reject);
}
