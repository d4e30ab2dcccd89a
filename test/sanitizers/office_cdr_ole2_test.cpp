// office_cdr's OLE2 judge (legacy .doc/.xls/.ppt and encrypted OOXML) on
// every OLE2 Office file of the shared corpora, each with the verdict it
// deserves and checked against an outside judge (test/tools/ole_judge.py,
// python3-olefile), and on generated hostile compound files.
#include <catch2/catch_test_macros.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sanitizers/office_cdr/format.h"
#include "sanitizers/office_cdr/ole2.h"
#include "test/common/time_budget.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"

namespace fs = std::filesystem;
using namespace mugai;
using namespace mugai::sanitizers::office_cdr;

namespace {

Result judgeBytes(const std::string& bytes) {
  static const Limits limits;
  ScanContext ctx(limits, std::chrono::steady_clock::now() + std::chrono::seconds(60));
  return cleanOle2(bytes, Options{}, ctx);
}

/// The codes of a result as a set ("clean" when it is clean).
std::set<std::string> codesOf(const Result& r) {
  if (r.outcome == Outcome::Clean) return {"clean"};
  std::set<std::string> out;
  for (const auto& x : r.removals) out.insert(x.code);
  return out;
}

std::set<std::string> splitSet(const std::string& s) {
  std::set<std::string> out;
  std::istringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.insert(item);
  return out;
}

// ---- a small compound-file writer for the hostile cases --------------------

constexpr std::uint32_t kEnd = 0xFFFFFFFE, kFree = 0xFFFFFFFF, kFatSect = 0xFFFFFFFD, kNone = 0xFFFFFFFF;

struct Entry {
  Entry(std::string n, std::uint8_t t) : name(std::move(n)), type(t) {}
  std::string name;  // ASCII
  std::uint8_t type;  // 1 storage, 2 stream, 5 root
  std::uint32_t left = kNone, right = kNone, child = kNone;
  std::string data;  // streams: >= 4096 bytes, or empty (no mini stream is written)
  std::uint32_t start = kEnd;
};

void put16(std::string& s, std::size_t at, std::uint32_t v) {
  s[at] = static_cast<char>(v & 0xFF);
  s[at + 1] = static_cast<char>(v >> 8 & 0xFF);
}
void put32(std::string& s, std::size_t at, std::uint32_t v) {
  put16(s, at, v & 0xFFFF);
  put16(s, at + 2, v >> 16);
}

/// A compound file: FAT sectors first, then the directory, then each stream.
/// `mutate` may change the FAT and the entries before they are written.
template <typename Mutate>
std::string buildCfb(std::vector<Entry> entries, unsigned shift, Mutate mutate) {
  const std::size_t ss = std::size_t{1} << shift, perDir = ss / 128, perFat = ss / 4;
  const std::size_t dirSectors = (entries.size() + perDir - 1) / perDir;
  std::size_t dataSectors = 0;
  for (const auto& e : entries) dataSectors += (e.data.size() + ss - 1) / ss;
  std::size_t fatSectors = 1;
  while (fatSectors * perFat < fatSectors + dirSectors + dataSectors) ++fatSectors;
  REQUIRE(fatSectors <= 109);
  std::vector<std::uint32_t> fat(fatSectors * perFat, kFree);
  std::uint32_t next = 0;
  for (std::size_t i = 0; i < fatSectors; ++i) fat[next++] = kFatSect;
  const std::uint32_t firstDir = next;
  for (std::size_t i = 0; i < dirSectors; ++i, ++next) fat[next] = i + 1 < dirSectors ? next + 1 : kEnd;
  for (auto& e : entries) {
    const std::size_t n = (e.data.size() + ss - 1) / ss;
    if (n == 0) continue;
    e.start = next;
    for (std::size_t i = 0; i < n; ++i, ++next) fat[next] = i + 1 < n ? next + 1 : kEnd;
  }
  mutate(fat, entries);
  std::string out(ss * (1 + next), '\0');
  const std::string magic("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
  out.replace(0, 8, magic);
  put16(out, 0x18, 0x3E);
  put16(out, 0x1A, shift == 9 ? 3 : 4);
  put16(out, 0x1C, 0xFFFE);
  put16(out, 0x1E, shift);
  put16(out, 0x20, 6);
  put32(out, 0x28, shift == 9 ? 0 : static_cast<std::uint32_t>(dirSectors));
  put32(out, 0x2C, static_cast<std::uint32_t>(fatSectors));
  put32(out, 0x30, firstDir);
  put32(out, 0x38, 4096);
  put32(out, 0x3C, kEnd);
  put32(out, 0x44, kEnd);
  for (std::size_t i = 0; i < 109; ++i) put32(out, 0x4C + 4 * i, i < fatSectors ? static_cast<std::uint32_t>(i) : kFree);
  auto sector = [&](std::size_t n) { return ss * (n + 1); };
  for (std::size_t i = 0; i < fat.size(); ++i) put32(out, sector(i / perFat) + 4 * (i % perFat), fat[i]);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    const std::size_t at = sector(firstDir + i / perDir) + 128 * (i % perDir);
    for (std::size_t k = 0; k < e.name.size() && k < 31; ++k) put16(out, at + 2 * k, static_cast<unsigned char>(e.name[k]));
    put16(out, at + 0x40, static_cast<std::uint32_t>(2 * (std::min<std::size_t>(e.name.size(), 31) + 1)));
    out[at + 0x42] = static_cast<char>(e.type);
    out[at + 0x43] = 1;
    put32(out, at + 0x44, e.left);
    put32(out, at + 0x48, e.right);
    put32(out, at + 0x4C, e.child);
    put32(out, at + 0x74, e.start);
    put32(out, at + 0x78, static_cast<std::uint32_t>(e.data.size()));
    if (!e.data.empty() && e.start < next) out.replace(sector(e.start), e.data.size(), e.data);
  }
  return out;
}

std::string buildCfb(std::vector<Entry> entries, unsigned shift = 9) {
  return buildCfb(std::move(entries), shift, [](auto&, auto&) {});
}

/// A WordDocument stream: a Word 97+ FIB and nothing active.
std::string wordStream(std::size_t size = 8192) {
  std::string s(size, '\0');
  put16(s, 0, 0xA5EC);
  put16(s, 2, 0x00C1);
  return s;
}

/// Root with one WordDocument stream.
std::vector<Entry> plainDoc() {
  Entry root{"Root Entry", 5};
  root.child = 1;
  Entry word{"WordDocument", 2};
  word.data = wordStream();
  return {root, word};
}

/// WordDocument plus `n` empty streams, siblings in a complete binary tree.
std::vector<Entry> balancedDoc(std::uint32_t n) {
  std::vector<Entry> entries = plainDoc();
  for (std::uint32_t i = 1; i < n; ++i) entries.emplace_back("s" + std::to_string(i), 2);
  for (std::uint32_t k = 0; k < n; ++k) {
    entries[k + 1].left = 2 * k + 1 < n ? 2 * k + 2 : kNone;
    entries[k + 1].right = 2 * k + 2 < n ? 2 * k + 3 : kNone;
  }
  return entries;
}

template <typename F>
double secondsFor(F f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("every OLE2 Office file of the corpora gets the verdict it deserves, and the olefile judge agrees", "[office][ole2]") {
  const fs::path c = test::corpora();
  const fs::path ot = c / "oletools/test-data";
  const fs::path tmp = test::freshTempDir("ole2-corpus");
  for (const char* z : {"dde-test-from-office2003.doc.zip", "dde-test-from-office2013-utf_16le-korean.doc.zip",
                        "dde-test-from-office2016.doc.zip"})
    REQUIRE(test::runCommand("unzip -q -o -P infected-test -d " + tmp.string() + " '" + (ot / "msodde" / z).string() + "'").code == 0);

  // What each file is documented to hold (oletools' folder and file names,
  // SOURCES.md), the weightiest first.
  const std::vector<std::pair<fs::path, std::vector<std::string>>> expected = {
      {ot / "encrypted/encrypted.doc", {"office.encrypted"}},
      {ot / "encrypted/encrypted.xls", {"office.encrypted"}},
      {ot / "encrypted/encrypted.ppt", {"office.encrypted"}},
      {ot / "encrypted/dde-test-encrypt-standardpassword.xls", {"office.encrypted"}},
      // The VBA storage of an encrypted .xls stays in the clear.
      {ot / "encrypted/autostart-encrypt-standardpassword.xls", {"office.encrypted", "office.legacy_macros"}},
      {ot / "encrypted/encrypted.docx", {"office.encrypted"}},
      {ot / "encrypted/encrypted.docm", {"office.encrypted"}},
      {ot / "encrypted/encrypted.xlsx", {"office.encrypted"}},
      {ot / "encrypted/encrypted.xlsm", {"office.encrypted"}},
      {ot / "encrypted/encrypted.xlsb", {"office.encrypted"}},
      {ot / "encrypted/encrypted.pptx", {"office.encrypted"}},
      {ot / "encrypted/encrypted.pptm", {"office.encrypted"}},
      {ot / "encrypted/dde-test-encrypt-standardpassword.xlsx", {"office.encrypted"}},
      {ot / "encrypted/dde-test-encrypt-standardpassword.xlsm", {"office.encrypted"}},
      {ot / "encrypted/dde-test-encrypt-standardpassword.xlsb", {"office.encrypted"}},
      {ot / "encrypted/autostart-encrypt-standardpassword.xlsm", {"office.encrypted"}},
      {ot / "encrypted/autostart-encrypt-standardpassword.xlsb", {"office.encrypted"}},
      {ot / "basic/encrypted.docx", {"office.encrypted"}},
      {ot / "excel4-macros/excel4_sample_macro.xls", {"office.legacy_xlm"}},
      {ot / "excel4-macros/excel4_sample_macro.xlt", {"office.legacy_xlm"}},
      {ot / "excel4-macros/excel4_sample_macro_excel5_format.xls", {"office.legacy_xlm"}},
      {ot / "oleobj/embedded-simple-2007.doc", {"office.legacy_object"}},
      {ot / "oleobj/embedded-simple-2007.dot", {"office.legacy_object"}},
      {ot / "oleobj/embedded-simple-2007.xls", {"office.legacy_object"}},
      {ot / "oleobj/embedded-simple-2007.xlt", {"office.legacy_object"}},
      {ot / "oleobj/embedded-simple-2007.xla", {"office.legacy_object"}},
      {ot / "oleobj/embedded-simple-2007.ppt", {"office.legacy_object"}},
      {ot / "oleobj/embedded-simple-2007.pps", {"office.legacy_object"}},
      {ot / "oleobj/embedded-simple-2007.pot", {"office.legacy_object"}},
      {ot / "oleobj/embedded-unicode.doc", {"office.legacy_object"}},
      {ot / "oleobj/sample_with_calc_embedded.doc", {"office.legacy_object"}},
      {ot / "oleobj/sample_with_lnk_file.doc", {"office.legacy_object"}},
      {ot / "oleobj/sample_with_lnk_file.ppt", {"office.legacy_object"}},
      // Saved with a VBA project besides its object (VBAInfoContainer).
      {ot / "oleobj/sample_with_lnk_file.pps", {"office.legacy_macros", "office.legacy_object"}},
      {ot / "oleobj/sample_with_lnk_to_calc.doc", {"office.legacy_object"}},
      {ot / "olevba/sample_with_vba.ppt", {"office.legacy_macros"}},
      {ot / "msodde/harmless-clean.doc", {"clean"}},
      {tmp / "dde-test-from-office2003.doc", {"office.legacy_dde"}},
      {tmp / "dde-test-from-office2013-utf_16le-korean.doc", {"office.legacy_dde"}},
      {tmp / "dde-test-from-office2016.doc", {"office.legacy_dde"}},
      // ClamAV's test files carry clam.exe as an embedded OLE object.
      {c / "clamav-testfiles/usr/share/clamav-testfiles/clam.ole.doc", {"office.legacy_object"}},
      {c / "clamav-testfiles/usr/share/clamav-testfiles/clam.ppt", {"office.legacy_object"}},
      {c / "zbateson-mail-mime-parser/tests/_data/emails/files/test.doc", {"clean"}},
      {c / "zbateson-mail-mime-parser/tests/_data/emails/files/Biodiversite de semaine en semaine.doc", {"clean"}},
  };

  std::string args;
  for (const auto& [path, codes] : expected) args += " '" + path.string() + "'";
  const auto judged = test::runCommand("/usr/bin/python3 " + std::string(MUGAI_SOURCE_DIR) + "/test/tools/ole_judge.py" + args);
  REQUIRE(judged.code == 0);
  std::map<std::string, std::set<std::string>> judge;
  std::istringstream lines(judged.out);
  for (std::string line; std::getline(lines, line);) {
    const auto t1 = line.find('\t'), t2 = line.find('\t', t1 + 1);
    REQUIRE(t2 != std::string::npos);
    judge[line.substr(0, t1)] = splitSet(line.substr(t1 + 1, t2 - t1 - 1));
  }
  REQUIRE(judge.size() == expected.size());

  for (const auto& [path, codes] : expected) {
    INFO(path.string());
    const std::string bytes = test::readFile(path);
    REQUIRE(detectFormat(bytes, path.extension().string().substr(1)) == Format::Ole2);
    const Result r = judgeBytes(bytes);
    const std::set<std::string> deserved(codes.begin(), codes.end());
    CHECK(judge[path.string()] == deserved);
    CHECK(codesOf(r) == deserved);
    if (codes.front() == "clean") {
      CHECK(r.outcome == Outcome::Clean);
    } else {
      REQUIRE(r.outcome == Outcome::Refuse);
      CHECK(r.removals.front().code == codes.front());
      for (const auto& x : r.removals) {
        CHECK(!x.detail.empty());
        CHECK(!x.detailJa.empty());
        CHECK(!x.where.empty());
      }
    }
  }
  fs::remove_all(tmp);
}

TEST_CASE("a removal names the storage it found", "[office][ole2]") {
  const fs::path ot = test::corpora() / "oletools/test-data";
  const Result doc = judgeBytes(test::readFile(ot / "oleobj/embedded-simple-2007.doc"));
  REQUIRE(doc.removals.size() == 1);
  CHECK(doc.removals[0].where == "ObjectPool/_1577691201");
  CHECK(doc.removals[0].type == "OLE2 storage");
  const Result xls = judgeBytes(test::readFile(ot / "encrypted/autostart-encrypt-standardpassword.xls"));
  REQUIRE(xls.removals.size() == 2);
  CHECK(xls.removals[0].code == "office.encrypted");
  CHECK(xls.removals[1].where == "_VBA_PROJECT_CUR");
  CHECK(xls.removals[1].type == "VBA project");
  const Result xlm = judgeBytes(test::readFile(ot / "excel4-macros/excel4_sample_macro_excel5_format.xls"));
  REQUIRE(!xlm.removals.empty());
  CHECK(xlm.removals[0].where == "Book");
}

TEST_CASE("an OLE2 file that is not an Office document is left to the other stages", "[office][ole2]") {
  SECTION("an .msi-like file (summary information and table streams only)") {
    Entry root{"Root Entry", 5};
    root.child = 1;
    Entry summary{"\x05SummaryInformation", 2};
    summary.data = std::string(4096, 'x');
    summary.right = 2;
    Entry table{"!_StringData", 2};
    table.data = std::string(4096, 'y');
    const std::string msi = buildCfb({root, summary, table});
    CHECK_FALSE(isOfficeOle2(msi));
    CHECK(detectFormat(msi, "msi") == Format::None);
  }
  SECTION("an Outlook .msg") {
    const std::string msg = test::readFile(test::corpora() / "spamscope-mail-parser/tests/mails/mail_outlook_1");
    CHECK_FALSE(isOfficeOle2(msg));
  }
  SECTION("the same writer's Word file is claimed and clean") {
    const std::string doc = buildCfb(plainDoc());
    CHECK(isOfficeOle2(doc));
    CHECK(judgeBytes(doc).outcome == Outcome::Clean);
  }
}

TEST_CASE("hostile compound files are refused quickly and without a crash", "[office][ole2][limits]") {
  auto refusedAs = [](const std::string& bytes, const std::string& code) {
    Result r;
    const double s = secondsFor([&] {
      CHECK(isOfficeOle2(bytes));
      r = judgeBytes(bytes);
    });
    CHECK(s < mugai::test::timeBound(1.0));
    REQUIRE(r.outcome == Outcome::Refuse);
    REQUIRE(!r.removals.empty());
    CHECK(r.removals.front().code == code);
    WARN(code << " in " << s << " s: " << r.removals.front().detail);
  };
  SECTION("a loop in a stream's FAT chain") {
    refusedAs(buildCfb(plainDoc(), 9, [](auto& fat, auto& e) { fat[e[1].start + 1] = e[1].start; }), "office.unreadable");
  }
  SECTION("a chain that runs past the end of the file") {
    refusedAs(buildCfb(plainDoc(), 9, [](auto& fat, auto& e) { fat[e[1].start] = 5000; }), "office.unreadable");
  }
  SECTION("a stream longer than its chain") {
    refusedAs(buildCfb(plainDoc(), 9, [](auto& fat, auto& e) { fat[e[1].start] = kEnd; }), "office.unreadable");
  }
  SECTION("two streams sharing sectors") {
    auto entries = plainDoc();
    entries[1].right = 2;
    Entry data{"Data", 2};
    data.data = std::string(4096, 'd');
    entries.push_back(data);
    refusedAs(buildCfb(entries, 9, [](auto&, auto& e) { e[2].start = e[1].start; }), "office.unreadable");
  }
  SECTION("a cycle in the directory tree") {
    auto entries = plainDoc();
    entries[1].right = 2;
    Entry other{"Data", 2};
    other.left = 1;  // back to WordDocument
    entries.push_back(other);
    refusedAs(buildCfb(entries), "office.unreadable");
  }
  SECTION("a directory loop through the FAT") {
    refusedAs(buildCfb(plainDoc(), 9, [](auto& fat, auto&) { fat[1] = 1; }), "office.unreadable");
  }
  SECTION("100,000 directory entries in one sibling chain") {
    std::vector<Entry> entries = plainDoc();
    entries.reserve(100'002);
    entries[1].right = 2;
    for (std::uint32_t i = 2; i < 100'002; ++i) {
      Entry e{"s" + std::to_string(i), 2};
      e.right = i + 1 < 100'002 ? i + 1 : kNone;
      entries.push_back(std::move(e));
    }
    refusedAs(buildCfb(std::move(entries), 12), "office.unreadable");  // too deep for libgsf's recursion
  }
  SECTION("100,000 directory entries in a balanced tree") {
    refusedAs(buildCfb(balancedDoc(100'000), 12), "limit.office_parts");
  }
}

TEST_CASE("a storage just under the sibling cap is read within a second", "[office][ole2][limits]") {
  // Below the cap libgsf does read the directory: its sorted insertion of
  // siblings is quadratic, which the cap (2,048 per storage) keeps small.
  const std::string doc = buildCfb(balancedDoc(2'040), 12);
  Result r;
  const double s = secondsFor([&] { r = judgeBytes(doc); });
  WARN("2,040 siblings read in " << s << " s");
  CHECK(s < mugai::test::timeBound(1.0));
  CHECK(r.outcome == Outcome::Clean);
}

TEST_CASE("damaged headers are refused", "[office][ole2][limits]") {
  auto refusedAs = [](const std::string& bytes, const std::string& code) {
    const Result r = judgeBytes(bytes);
    REQUIRE(r.outcome == Outcome::Refuse);
    CHECK(r.removals.front().code == code);
  };
  SECTION("truncated and garbage headers") {
    std::string doc = buildCfb(plainDoc());
    refusedAs(doc.substr(0, 600), "office.unreadable");
    std::string bad = doc;
    put16(bad, 0x1E, 30);  // absurd sector size
    refusedAs(bad, "office.unreadable");
  }
}

TEST_CASE("the Word, Excel and PowerPoint record checks find what the names do not", "[office][ole2]") {
  SECTION("Word: the FIB's fEncrypted bit") {
    auto entries = plainDoc();
    put16(entries[1].data, 0x0A, 0x0100);
    const Result r = judgeBytes(buildCfb(entries));
    REQUIRE(r.outcome == Outcome::Refuse);
    CHECK(r.removals.front().code == "office.encrypted");
  }
  SECTION("Word: a DDEAUTO field in 8-bit text, and INCLUDETEXT in UTF-16") {
    auto entries = plainDoc();
    entries[1].data.replace(2048, 20, std::string("\x13 ddeauto c:\\\\x.exe"));
    const std::string w = std::string("\x13\0 \0I\0N\0C\0L\0U\0D\0E\0T\0E\0X\0T\0 \0", 28);
    entries[1].data.replace(4096, w.size(), w);
    const Result r = judgeBytes(buildCfb(entries));
    CHECK(codesOf(r) == std::set<std::string>{"office.legacy_dde"});
    CHECK(r.removals.size() == 2);
  }
  SECTION("Word: DDE as part of a longer word is text, not a field") {
    auto entries = plainDoc();
    entries[1].data.replace(2048, 10, "\x13 DDEXYZ  ");
    CHECK(judgeBytes(buildCfb(entries)).outcome == Outcome::Clean);
  }
}

namespace {

std::string biff(std::uint16_t type, const std::string& body) {
  std::string r(4, '\0');
  put16(r, 0, type);
  put16(r, 2, static_cast<std::uint32_t>(body.size()));
  return r + body;
}

/// A document whose only stream is `name`, holding `data` padded to 4096 bytes.
std::string oneStreamDoc(const std::string& name, std::string data) {
  Entry root{"Root Entry", 5};
  root.child = 1;
  Entry s{name, 2};
  data.resize(std::max<std::size_t>(data.size(), 4096), '\0');
  s.data = std::move(data);
  return buildCfb({root, s});
}

std::string pptRecord(std::uint16_t verInst, std::uint16_t type, const std::string& body) {
  std::string r(8, '\0');
  put16(r, 0, verInst);
  put16(r, 2, type);
  put32(r, 4, static_cast<std::uint32_t>(body.size()));
  return r + body;
}

}  // namespace

TEST_CASE("the BIFF8 globals: VB module sheets, Auto_Open names, DDE links", "[office][ole2]") {
  std::string bof(16, '\0');
  put16(bof, 0, 0x0600);
  put16(bof, 2, 0x0005);
  std::string sheet = std::string(4, '\0') + std::string("\x00\x06\x06\x00Module", 10);  // dt 6, cch 6, 8-bit
  std::string name(15, '\0');
  put16(name, 0, 0x0020);  // fBuiltin
  name[3] = 1;             // cch
  name += '\x01';          // Auto_Open
  std::string supbook(5, '\0');
  const std::string path = "excel\x03" "calc";
  put16(supbook, 2, static_cast<std::uint32_t>(path.size()));
  supbook += path;
  const std::string stream =
      biff(0x0809, bof) + biff(0x0085, sheet) + biff(0x0018, name) + biff(0x01AE, supbook) + biff(0x000A, "");
  const Result r = judgeBytes(oneStreamDoc("Workbook", stream));
  CHECK(codesOf(r) == std::set<std::string>{"office.legacy_macros", "office.legacy_xlm", "office.legacy_dde"});
  REQUIRE(r.removals.size() == 3);
  CHECK(r.removals[0].code == "office.legacy_macros");

  SECTION("the same globals cut short are unreadable, not clean") {
    const Result cut = judgeBytes(oneStreamDoc("Workbook", biff(0x0809, bof) + std::string("\x85\x00\xFF\x7F", 4)));
    REQUIRE(cut.outcome == Outcome::Refuse);
    CHECK(cut.removals.front().code == "office.unreadable");
  }
  SECTION("a stream name in another case is the same stream") {
    CHECK(codesOf(judgeBytes(oneStreamDoc("WORKBOOK", stream))).size() == 3);
  }
}

TEST_CASE("the PowerPoint record tree: linked objects, ActiveX, damage", "[office][ole2]") {
  const std::string link = pptRecord(0x000F, 0x0FCE, pptRecord(0, 0x0FD1, std::string(12, '\0')));
  const std::string control = pptRecord(0x000F, 0x0FEE, "");
  std::string doc = pptRecord(0x000F, 0x03E8, pptRecord(0x000F, 0x0409, link + control));
  doc += pptRecord(0, 0x0FFF, std::string(4096 - doc.size() - 8, '\0'));  // fills the stream: no stray bytes
  const Result r = judgeBytes(oneStreamDoc("PowerPoint Document", doc));
  CHECK(codesOf(r) == std::set<std::string>{"office.legacy_object"});
  CHECK(r.removals.size() == 2);

  SECTION("a record longer than its container is damage") {
    std::string bad = doc;
    put32(bad, 8 + 4, 0x7FFFFFFF);  // the ExObjList's length
    const Result b = judgeBytes(oneStreamDoc("PowerPoint Document", bad));
    REQUIRE(b.outcome == Outcome::Refuse);
    CHECK(b.removals.front().code == "office.unreadable");
  }
}

TEST_CASE("randomly damaged Office files never crash and never come back cleaned", "[office][ole2][limits]") {
  const fs::path ot = test::corpora() / "oletools/test-data";
  std::uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  for (const char* f : {"msodde/harmless-clean.doc", "excel4-macros/excel4_sample_macro.xls", "olevba/sample_with_vba.ppt"}) {
    const std::string original = test::readFile(ot / f);
    for (int round = 0; round < 300; ++round) {
      std::string bytes = original;
      const int flips = 1 + static_cast<int>(next() % 8);
      for (int k = 0; k < flips; ++k) bytes[next() % std::min<std::size_t>(bytes.size(), 8192)] = static_cast<char>(next() >> 24);
      Result r;
      const double s = secondsFor([&] { r = judgeBytes(bytes); });
      CHECK(s < mugai::test::timeBound(1.0));
      CHECK(r.outcome != Outcome::Cleaned);
    }
  }
}
