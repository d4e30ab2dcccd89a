// encrypted = "password": password-protected Office files of the shared
// corpora (oletools' test-data/encrypted/, the "standardpassword" ones use
// Excel's default password "VelvetSweatshop"; encrypted.* use another one,
// not known here) opened with the message's passwords by the confined
// msoffcrypto, cleaned, and delivered without protection. What each
// decrypted file deserves is judged by outside tools: unzip, the
// msoffcrypto-tool CLI plus test/tools/ole_judge.py (olefile) and
// office_judge.py (zipfile, lxml); no code shared with mugai.
// About 12 decryptions (0.3-0.5 s each on the 2-core VM).
#include <catch2/catch_test_macros.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "sanitizers/office_cdr/decrypt.h"
#include "sanitizers/office_cdr/office_cdr.h"
#include "sanitizers/office_cdr/ole2.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"
#include "test/common/samples.h"

namespace fs = std::filesystem;
using namespace mugai;
using namespace mugai::sanitizers::office_cdr;
using mugai::test::runCli;
using mugai::test::runCommand;

namespace {

const std::string kPython = "/usr/bin/python3";
const std::string kDefault = "VelvetSweatshop";

bool haveMsoffcrypto() {
  static const bool have = runCommand(kPython + " -c 'import msoffcrypto' 2>/dev/null").code == 0;
  return have;
}

fs::path encryptedDir() { return mugai::test::corpora() / "oletools" / "test-data" / "encrypted"; }
std::string sample(const std::string& name) { return mugai::test::readFile(encryptedDir() / name); }

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

Options passwordOptions() {
  Options o;
  o.encrypted = EncryptedPolicy::Password;
  return o;
}

Result clean(const std::string& bytes, const Options& o, const std::vector<std::string>& passwords) {
  static const Limits limits;
  ScanContext ctx(limits, std::chrono::steady_clock::now() + std::chrono::seconds(60));
  ctx.addPasswords(passwords);
  return cleanOle2(bytes, o, ctx);
}

bool hasCode(const Result& r, const std::string& code) {
  for (const auto& x : r.removals)
    if (x.code == code) return true;
  return false;
}

std::string allText(const Result& r) {
  std::string s;
  for (const auto& x : r.removals) s += x.code + " " + x.where + " " + x.type + " " + x.detail + " " + x.detailJa + "\n";
  return s;
}

// The delivered bytes in a scratch file, and `unzip -l` of it.
struct Written {
  fs::path file;
  std::string listing;
  int listCode = 0;
};
Written writeOut(const std::string& bytes, const std::string& name) {
  static const fs::path dir = mugai::test::freshTempDir("office-crypt");
  Written w;
  w.file = dir / name;
  mugai::test::writeFile(w.file, bytes);
  auto r = runCommand("unzip -l " + quoted(w.file.string()));
  w.listing = r.out;
  w.listCode = r.code;
  return w;
}

nlohmann::json officeJudge(const fs::path& file) {
  auto r = runCommand(kPython + " " + MUGAI_SOURCE_DIR + "/test/tools/office_judge.py " + quoted(file.string()) + " 2>/dev/null");
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

}  // namespace

TEST_CASE("office_cdr crypt: by default an encrypted document is removed, no password tried", "[office][crypt]") {
  const Result r = clean(sample("dde-test-encrypt-standardpassword.xlsx"), Options{}, {kDefault});
  REQUIRE(r.outcome == Outcome::Refuse);
  CHECK(r.removals.front().code == "office.encrypted");
  CHECK(allText(r).find("password from the message") == std::string::npos);
}

TEST_CASE("office_cdr crypt: OOXML opened with the message's password comes back cleaned, unprotected",
          "[office][crypt]") {
  if (!haveMsoffcrypto()) SKIP("python3-msoffcrypto-tool is not installed");
  const std::vector<std::string> pw = {"wrong", kDefault};

  SECTION("an .xlsx with a DDE link") {
    const Result r = clean(sample("dde-test-encrypt-standardpassword.xlsx"), passwordOptions(), pw);
    INFO(allText(r));
    REQUIRE(r.outcome == Outcome::Cleaned);
    CHECK(r.removals.front().code == "office.encryption_removed");
    CHECK(hasCode(r, "office.dde_removed"));
    CHECK(r.extension == "xlsx");
    CHECK(r.mimeType == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    CHECK(allText(r).find(kDefault) == std::string::npos);
    CHECK(allText(r).find("wrong") == std::string::npos);
    const Written w = writeOut(r.bytes, "dde.xlsx");
    INFO(w.listing);
    CHECK(w.listCode == 0);
    CHECK(w.listing.find("[Content_Types].xml") != std::string::npos);
    CHECK(w.listing.find("EncryptedPackage") == std::string::npos);
    CHECK(r.bytes.find("EncryptedPackage") == std::string::npos);
    const auto j = officeJudge(w.file);
    INFO(j.dump());
    CHECK(j["format"] == "ooxml");
    CHECK(j["ok"] == true);
  }
  SECTION("macro-enabled .xlsm files come back as .xlsx without their VBA") {
    for (const char* name : {"autostart-encrypt-standardpassword.xlsm", "dde-test-encrypt-standardpassword.xlsm"}) {
      INFO(name);
      const Result r = clean(sample(name), passwordOptions(), pw);
      INFO(allText(r));
      REQUIRE(r.outcome == Outcome::Cleaned);
      CHECK(r.removals.front().code == "office.encryption_removed");
      CHECK(r.extension == "xlsx");
      const Written w = writeOut(r.bytes, std::string(name) + ".xlsx");
      INFO(w.listing);
      CHECK(w.listCode == 0);
      CHECK(w.listing.find("[Content_Types].xml") != std::string::npos);
      CHECK(w.listing.find("vbaProject") == std::string::npos);
      const auto j = officeJudge(w.file);
      INFO(j.dump());
      CHECK(j["ok"] == true);
    }
  }
}

TEST_CASE("office_cdr crypt: a decrypted legacy .xls gets the verdict its content deserves", "[office][crypt]") {
  if (!haveMsoffcrypto()) SKIP("python3-msoffcrypto-tool is not installed");
  const fs::path dir = mugai::test::freshTempDir("office-crypt-xls");
  for (const char* name : {"autostart-encrypt-standardpassword.xls", "dde-test-encrypt-standardpassword.xls"}) {
    INFO(name);
    // The outside verdict: msoffcrypto-tool's CLI decrypts, ole_judge.py judges.
    const fs::path plain = dir / name;
    REQUIRE(runCommand(kPython + " -m msoffcrypto -p " + kDefault + " " + quoted((encryptedDir() / name).string()) + " " +
                       quoted(plain.string()))
                .code == 0);
    auto judged = runCommand(kPython + " " + MUGAI_SOURCE_DIR + "/test/tools/ole_judge.py " + quoted(plain.string()));
    std::istringstream cols(judged.out);
    std::string file, kinds;
    std::getline(cols, file, '\t');
    std::getline(cols, kinds, '\t');
    INFO("ole_judge: " << kinds);
    REQUIRE(!kinds.empty());
    REQUIRE(kinds.find("office.encrypted") == std::string::npos);

    const Result r = clean(sample(name), passwordOptions(), {"wrong", kDefault});
    INFO(allText(r));
    if (kinds == "clean") {
      REQUIRE(r.outcome == Outcome::Cleaned);
      CHECK(r.removals.front().code == "office.encryption_removed");
      CHECK(r.extension == "xls");
    } else {
      // legacy = "remove": refused for what it holds, no longer for its encryption.
      REQUIRE(r.outcome == Outcome::Refuse);
      CHECK(kinds.find(r.removals.front().code) != std::string::npos);
      CHECK(!hasCode(r, "office.encrypted"));
    }
    CHECK(allText(r).find(kDefault) == std::string::npos);
  }
}

TEST_CASE("office_cdr crypt: no fitting password, or none at all, still removes the document", "[office][crypt]") {
  if (!haveMsoffcrypto()) SKIP("python3-msoffcrypto-tool is not installed");
  SECTION("only wrong passwords") {
    const Result r = clean(sample("dde-test-encrypt-standardpassword.xlsx"), passwordOptions(), {"wrong", "また違う"});
    INFO(allText(r));
    REQUIRE(r.outcome == Outcome::Refuse);
    CHECK(r.removals.front().code == "office.encrypted");
    CHECK(r.removals.front().detail.find("none of the 2 passwords") != std::string::npos);
    CHECK(allText(r).find("また違う") == std::string::npos);
  }
  SECTION("a password nobody quoted (oletools' encrypted.docx)") {
    const Result r = clean(sample("encrypted.docx"), passwordOptions(), {"wrong", kDefault});
    INFO(allText(r));
    REQUIRE(r.outcome == Outcome::Refuse);
    CHECK(r.removals.front().code == "office.encrypted");
  }
  SECTION("no password in the message") {
    const Result r = clean(sample("dde-test-encrypt-standardpassword.xlsx"), passwordOptions(), {});
    INFO(allText(r));
    REQUIRE(r.outcome == Outcome::Refuse);
    CHECK(r.removals.front().code == "office.encrypted");
    CHECK(r.removals.front().detail.find("no password was given") != std::string::npos);
  }
  SECTION("more than 8 candidates: the 9th is never tried") {
    std::vector<std::string> pw;
    for (int i = 0; i < 8; ++i) pw.push_back("wrong" + std::to_string(i));
    pw.push_back(kDefault);
    const Result r = clean(sample("dde-test-encrypt-standardpassword.xlsx"), passwordOptions(), pw);
    REQUIRE(r.outcome == Outcome::Refuse);
    CHECK(r.removals.front().code == "office.encrypted");
  }
}

TEST_CASE("office_cdr crypt: without user namespaces nothing is decrypted", "[office][crypt]") {
  const Decrypted d = decryptOffice(sample("dde-test-encrypt-standardpassword.xlsx"), {kDefault}, std::chrono::seconds(10),
                                    /*assumeNoNamespaces=*/true);
  CHECK(d.status == Decrypted::Status::CouldNotTry);
  CHECK(d.bytes.empty());
  CHECK(d.detail.find(kDefault) == std::string::npos);
}

TEST_CASE("[stage.office_cdr] encrypted: remove (default) or password", "[office][crypt][config]") {
  CHECK(parseOptions(toml::table{}, "t").encrypted == EncryptedPolicy::Remove);
  auto t = toml::parse("encrypted = \"password\"\n");
  CHECK(parseOptions(t, "t").encrypted == EncryptedPolicy::Password);
  auto bad = toml::parse("encrypted = \"open\"\n");
  CHECK_THROWS_AS(parseOptions(bad, "t"), ConfigError);
}

TEST_CASE("office_cdr crypt: mugai mail opens an Office attachment with the PPAP password in its text",
          "[office][crypt][cli]") {
  if (!haveMsoffcrypto()) SKIP("python3-msoffcrypto-tool is not installed");
  const fs::path d = mugai::test::freshTempDir("office-crypt-mail");
  mugai::test::writeFile(d / "c.toml", "[stage.office_cdr]\nencrypted = \"password\"\n");
  mugai::test::writeFile(
      d / "in.eml",
      mugai::test::mailWith({{"売上.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                              sample("dde-test-encrypt-standardpassword.xlsx")}},
                            "資料を送付します。\r\nパスワード：VelvetSweatshop\r\n"));
  auto run = runCli("mail " + quoted((d / "in.eml").string()) + " -o " + quoted((d / "out.eml").string()) + " --report " +
                    quoted((d / "r.json").string()) + " -c " + quoted((d / "c.toml").string()) + " --no-quarantine");
  INFO(run.out);
  CHECK(run.out.find(kDefault) == std::string::npos);
  const std::string report = mugai::test::readFile(d / "r.json");
  CHECK(report.find("office.encryption_removed") != std::string::npos);
  CHECK(report.find(kDefault) == std::string::npos);
  // The attachment as delivered, pulled out by Python's email package.
  const fs::path att = d / "delivered.xlsx";
  auto x = runCommand(kPython + " -c " +
                      quoted("import email,email.policy,sys\n"
                             "m=email.message_from_binary_file(open(sys.argv[1],'rb'),policy=email.policy.default)\n"
                             "p=[p for p in m.walk() if (p.get_filename() or '').endswith('.xlsx')][0]\n"
                             "open(sys.argv[2],'wb').write(p.get_payload(decode=True))\n") +
                      " " + quoted((d / "out.eml").string()) + " " + quoted(att.string()));
  INFO(x.out);
  REQUIRE(x.code == 0);
  auto t = runCommand("unzip -t " + quoted(att.string()));
  INFO(t.out);
  CHECK(t.code == 0);
  CHECK(t.out.find("EncryptedPackage") == std::string::npos);
  auto tested = runCommand(kPython + " -m msoffcrypto -t " + quoted(att.string()));
  INFO(tested.out);
  CHECK(tested.out.find("not encrypted") != std::string::npos);
}
