// office_cdr's RTF cleaner: each active element (object, datastore,
// template, DDE / INCLUDE field) is taken out with what it showed kept, a
// clean document comes back byte for byte, hostile input ends fast with a
// clear answer, and every output is judged by an outside scan
// (test/tools/rtf_judge.py) and is stable when cleaned again.
#include <catch2/catch_test_macros.hpp>

#include <chrono>
#include <string>

#include "sanitizers/office_cdr/rtf.h"
#include "test/common/time_budget.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"
#include "test/common/python_judge.h"

namespace fs = std::filesystem;
using namespace mugai;
using namespace mugai::sanitizers::office_cdr;

namespace {

Result clean(const std::string& rtf) {
  static const Limits limits;  // ScanContext keeps a reference
  ScanContext ctx(limits, std::chrono::steady_clock::now() + std::chrono::seconds(60));
  return cleanRtf(rtf, Options{}, ctx);
}

// Cleaned, judged clean from outside, stable when cleaned again.
Result cleanedOnce(const std::string& rtf) {
  Result r = clean(rtf);
  if (r.outcome == Outcome::Refuse) FAIL_CHECK(r.removals[0].code + ": " + r.removals[0].detail);
  REQUIRE(r.outcome == Outcome::Cleaned);
  CHECK(r.mimeType == "text/rtf");
  CHECK(r.extension.empty());
  CHECK(test::judgeRtf(r.bytes) == "");
  CHECK(clean(r.bytes).outcome == Outcome::Clean);
  return r;
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string doc(const std::string& body) {
  return "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times;}}\\pard Before " + body + " After\\par}";
}

const std::string kEquation =
    "{\\object\\objemb{\\*\\objclass Equation.3}\\objw105\\objh245{\\*\\objdata 01050000020000000b000000"
    "4571756174696f6e2e3300000000000000000000d0cf11e0a1b11ae1}{\\result{\\pict\\wmetafile8\\picw10\\pich10 "
    "0100090000}}}";

}  // namespace

TEST_CASE("An Equation.3 object goes and its preview picture stays in its place", "[office][rtf]") {
  Result r = cleanedOnce(doc(kEquation));
  REQUIRE(r.removals.size() == 1);
  const Removal& x = r.removals[0];
  CHECK(x.code == "office.rtf_object_removed");
  CHECK(x.where == "object 1");
  CHECK(x.type == "RTF \\object (Equation.3)");
  CHECK(!x.detailJa.empty());
  CHECK(x.size == kEquation.size());
  CHECK(r.bytes == doc("{{\\pict\\wmetafile8\\picw10\\pich10 0100090000}}"));
}

TEST_CASE("A linked object (objautlink) goes, whatever the case of its control words", "[office][rtf]") {
  SECTION("objautlink with a result") {
    Result r = cleanedOnce(doc("{\\object\\objautlink\\objupdate\\rsltpict{\\*\\objclass Word.Document.8}"
                               "{\\*\\objdata 010500000100000007000000}{\\result {\\pict 0102}}}"));
    REQUIRE(r.removals.size() == 1);
    CHECK(r.removals[0].type == "RTF \\object (Word.Document.8)");
  }
  SECTION("upper case and no result") {
    Result r = cleanedOnce(doc("{\\OBJECT\\OBJAUTLINK{\\*\\OBJDATA 0105}}"));
    REQUIRE(r.removals.size() == 1);
    CHECK(r.bytes == doc("{}"));
  }
  SECTION("a standalone objdata group") {
    Result r = cleanedOnce(doc("{\\*\\objdata 0105000002}"));
    REQUIRE(r.removals.size() == 1);
    CHECK(r.removals[0].type == "RTF \\objdata");
  }
  SECTION("an object in a result of an object: both levels go, the inner preview stays") {
    Result r = cleanedOnce(doc("{\\object\\objemb{\\result {\\object\\objemb{\\*\\objdata 01}{\\result PIC}}}}"));
    CHECK(r.removals.size() == 2);
    CHECK(has(r.bytes, "PIC"));
  }
}

TEST_CASE("A datastore, a template and a schema table go", "[office][rtf]") {
  SECTION("datastore") {
    Result r = cleanedOnce(doc("{\\*\\datastore 010500000200000018000000}"));
    REQUIRE(r.removals.size() == 1);
    CHECK(r.removals[0].code == "office.rtf_datastore_removed");
  }
  SECTION("template, its path shown") {
    Result r = cleanedOnce(doc("{\\*\\template http://evil.example/t.dotm}"));
    REQUIRE(r.removals.size() == 1);
    CHECK(r.removals[0].code == "office.rtf_template_removed");
    CHECK(r.removals[0].type == "RTF \\*\\template (http://evil.example/t.dotm)");
  }
  SECTION("xmlnstbl") {
    Result r = cleanedOnce(doc("{\\*\\xmlnstbl {\\xmlns1 http://schemas.example/x}}"));
    REQUIRE(r.removals.size() == 1);
    CHECK(r.removals[0].code == "office.rtf_template_removed");
  }
}

TEST_CASE("A DDEAUTO field goes and the text it showed stays", "[office][rtf]") {
  const std::string field =
      "{\\field\\fldlock{\\*\\fldinst DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc.exe\"}"
      "{\\fldrslt {\\lang1033 Shown text}}}";
  Result r = cleanedOnce(doc(field));
  REQUIRE(r.removals.size() == 1);
  CHECK(r.removals[0].code == "office.dde_removed");
  CHECK(r.removals[0].where == "field 1");
  CHECK(r.removals[0].type == "RTF field (DDEAUTO)");
  CHECK(r.bytes == doc("{{\\lang1033 Shown text}}"));
}

TEST_CASE("Fields that fetch are found however their instruction is written", "[office][rtf]") {
  auto fieldCode = [](const std::string& instr) {
    Result r = cleanedOnce(doc("{\\field{\\*\\fldinst " + instr + "}{\\fldrslt KEPT}}"));
    REQUIRE(r.removals.size() == 1);
    CHECK(has(r.bytes, "KEPT"));
    return r.removals[0].code;
  };
  SECTION("INCLUDEPICTURE split across groups") {
    CHECK(fieldCode("{\\rtlch IN}{CLUDE}{\\b PICTURE \"http://x.example/a.png\" \\\\d}") == "office.field_removed");
  }
  SECTION("leading spaces, backslashes and quotes") { CHECK(fieldCode("  \\\\\"INCLUDETEXT x") == "office.field_removed"); }
  SECTION("lower case IMPORT, LINK") {
    CHECK(fieldCode("import c:\\\\a.wmf") == "office.field_removed");
    CHECK(fieldCode("LINK Excel.Sheet.8 x") == "office.field_removed");
  }
  SECTION("hex and unicode escapes") {
    CHECK(fieldCode("\\'44\\'44\\'45 cmd") == "office.dde_removed");
    CHECK(fieldCode("\\uc1\\u68 ?\\u68 ?\\u69 ?AUTO cmd") == "office.dde_removed");
  }
  SECTION("a bookmark before the name") { CHECK(fieldCode("{\\*\\bkmkstart x}DDEAUTO cmd") == "office.dde_removed"); }
  SECTION("text of a destination Word does not count, glued before the name") {
    CHECK(fieldCode("{\\fonttbl X}DDEAUTO cmd") == "office.dde_removed");
    CHECK(fieldCode("{\\fonttbl HYPER}LINK Excel.Sheet.8 x") == "office.field_removed");
  }
  SECTION("instruction without its own group") {
    Result r = cleanedOnce(doc("{\\field\\fldinst DDE x\\fldrslt r}"));
    CHECK(r.bytes == doc("{}"));
  }
  SECTION("a name computed by a nested field") {
    CHECK(fieldCode("{\\field{\\*\\fldinst QUOTE 68 68 69}{\\fldrslt DDE}} cmd") == "office.field_removed");
  }
  SECTION("an active field nested in a harmless one") {
    Result r = cleanedOnce(doc("{\\field{\\*\\fldinst IF 1 = 1 {\\field{\\*\\fldinst DDE a b}{\\fldrslt x}}}{\\fldrslt y}}"));
    REQUIRE(r.removals.size() == 1);
    CHECK(r.removals[0].where == "field 2");
    CHECK(has(r.bytes, "IF 1 = 1"));
  }
}

TEST_CASE("Harmless fields and plain documents come back byte for byte", "[office][rtf]") {
  for (const std::string& body :
       {std::string("{\\field{\\*\\fldinst PAGE}{\\fldrslt 1}}"),
        std::string("{\\field{\\*\\fldinst HYPERLINK \\\\l \"_Toc1\"}{\\fldrslt jump inside}}"),
        std::string("{\\*\\panose 02020603050405020304}\\'82\\'a0\\u12354 ?"), std::string("\\\\object is text"),
        std::string("{\\pict\\bin4 {}\\}")}) {
    CAPTURE(body);
    CHECK(clean(doc(body)).outcome == Outcome::Clean);
  }
}

TEST_CASE("A link out of the document follows the hyperlinks policy; a jump to a bookmark stays", "[office][rtf]") {
  const std::string link = doc("{\\field{\\*\\fldinst HYPERLINK \"http://example.jp/\"}{\\fldrslt link text}}");
  Result removed = cleanedOnce(link);
  REQUIRE(removed.removals.size() == 1);
  CHECK(removed.removals[0].code == "office.hyperlink_removed");
  CHECK(has(removed.bytes, "link text"));
  CHECK(!has(removed.bytes, "example.jp"));
  Limits limits;
  ScanContext ctx(limits, std::chrono::steady_clock::now() + std::chrono::seconds(30));
  Options keep;
  keep.hyperlinks = LinkPolicy::Keep;
  CHECK(cleanRtf(link, keep, ctx).outcome == Outcome::Clean);
}

TEST_CASE("An object inside the result of a harmless field goes, the field stays", "[office][rtf]") {
  Result r = cleanedOnce(doc("{\\field{\\*\\fldinst PAGE}{\\fldrslt {\\object{\\*\\objdata 01}{\\result 7}}}}"));
  REQUIRE(r.removals.size() == 1);
  CHECK(r.bytes == doc("{\\field{\\*\\fldinst PAGE}{\\fldrslt {7}}}"));
}

TEST_CASE("Hostile RTF ends fast with a clear answer", "[office][rtf]") {
  auto timed = [](const std::string& rtf) {
    const auto t0 = std::chrono::steady_clock::now();
    Result r = clean(rtf);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    CHECK(ms < 1000 * mugai::test::timeBound(1.0));
    return r;
  };
  SECTION("a million nested groups") {
    Result r = timed("{\\rtf1 " + std::string(1'000'000, '{'));
    REQUIRE(r.outcome == Outcome::Refuse);
    CHECK(r.removals[0].code == "limit.rtf_depth");
  }
  SECTION("\\bin declaring 1 GB") {
    Result r = timed(doc("{\\pict\\bin1000000000 abc}"));
    REQUIRE(r.outcome == Outcome::Refuse);
    CHECK(r.removals[0].code == "office.unreadable");
  }
  SECTION("\\bin with an overlong count, and \\BIN in another case") {
    CHECK(timed(doc("\\bin00000000000000000000000000000000000000000000001 x")).outcome == Outcome::Clean);
    CHECK(timed(doc("\\bin99999999999999999999999999999999999999999 x")).outcome == Outcome::Refuse);
    CHECK(timed(doc("\\BIN5 {\\obj}")).outcome == Outcome::Refuse);
  }
  SECTION("unterminated groups: clean as they are, or closed after a removal") {
    CHECK(timed("{\\rtf1 {\\b text").outcome == Outcome::Clean);
    Result r = timed("{\\rtf1 a{\\object{\\*\\objdata 0102");
    REQUIRE(r.outcome == Outcome::Cleaned);
    CHECK(r.bytes == "{\\rtf1 a{}}");
  }
  SECTION("garbage and NULs after the last brace, a stray brace") {
    CHECK(timed(doc("x") + std::string("\0\0garbage}}}\xff", 13)).outcome == Outcome::Clean);
    CHECK(timed(doc("x") + "{\\object{\\*\\objdata 01}}").outcome == Outcome::Refuse);
  }
  SECTION("an active word in the top group itself") {
    CHECK(timed("{\\rtf1\\objdata 0102}").outcome == Outcome::Refuse);
  }
  SECTION("a million objects side by side") {
    std::string many = "{\\rtf1 ";
    for (int i = 0; i < 1'000'000; ++i) many += "{\\object}";
    Result r = timed(many + "}");
    REQUIRE(r.outcome == Outcome::Refuse);
    CHECK(r.removals[0].code == "limit.office_parts");
  }
}

TEST_CASE("The RTF corpora: objects out, clean files untouched", "[office][rtf]") {
  const fs::path c = test::corpora();
  SECTION("oletools issue_251 (an Equation.3 object)") {
    Result r = cleanedOnce(test::readFile(c / "oletools/test-data/rtfobj/issue_251.rtf"));
    CHECK(!r.removals.empty());
    CHECK(has(r.bytes, "DOCUMENT IS PROTECTED"));
    CHECK(has(r.bytes, "\\pict"));  // the preview stays
  }
  SECTION("clam.exe.rtf (an embedded executable)") {
    Result r = cleanedOnce(test::readFile(c / "clamav-testfiles/usr/share/clamav-testfiles/clam.exe.rtf"));
    REQUIRE(r.removals.size() == 1);
    CHECK(r.removals[0].code == "office.rtf_object_removed");
  }
  SECTION("a minimal RTF is clean") {
    const std::string bytes = test::readFile(c / "corkami-pocs/mini/rich.rtf");
    CHECK(test::judgeRtf(bytes) == "");
    CHECK(clean(bytes).outcome == Outcome::Clean);
  }
  SECTION("the RTF 1.7 specification loses its one link out (hyperlinks = remove), keeps its bookmark jumps") {
    const std::string bytes = test::readFile(c / "oletools/test-data/msodde/RTF-Spec-1.7.rtf");
    CHECK(test::judgeRtf(bytes) == "");
    Result r = cleanedOnce(bytes);
    REQUIRE(r.removals.size() == 1);
    CHECK(r.removals[0].code == "office.hyperlink_removed");
    CHECK(r.bytes.size() > bytes.size() * 9 / 10);
  }
}

TEST_CASE("LibreOffice opens cleaned corpus RTF and shows its text and previews", "[office][rtf][libreoffice]") {
  const fs::path c = test::corpora();
  const fs::path dir = test::freshTempDir("rtf-lo");
  for (const auto& [name, path] :
       {std::pair{"i251.rtf", "oletools/test-data/rtfobj/issue_251.rtf"},
        std::pair{"clam.rtf", "clamav-testfiles/usr/share/clamav-testfiles/clam.exe.rtf"}}) {
    Result r = clean(test::readFile(c / path));
    REQUIRE(r.outcome == Outcome::Cleaned);
    test::writeFile(dir / name, r.bytes);
  }
  auto run = test::runCommand("cd " + dir.string() + " && timeout 120 soffice -env:UserInstallation=file://" +
                              (dir / "profile").string() + " --headless --convert-to pdf i251.rtf clam.rtf >/dev/null 2>&1" +
                              " && pdftotext i251.pdf - && pdftotext clam.pdf -");
  REQUIRE(run.code == 0);
  CHECK(has(run.out, "DOCUMENT IS PROTECTED"));  // the body text
  CHECK(has(run.out, "Clam.exe"));               // the label drawn in the kept preview picture of the object
  fs::remove_all(dir);
}
