#include <algorithm>
// attachment_strip: decisions by true type, by extension, by name tricks,
// by mode; the default policy on real test files.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <filesystem>
#include <set>
#include <sstream>

#include "core/charset/charset.h"
#include "core/mail_job.h"
#include "core/mime_encode.h"
#include "sanitizers/attachment_strip/attachment_strip.h"
#include "sanitizers/builtin.h"
#include "test/common/corpus.h"
#include "test/common/samples.h"

using namespace mugai;
using namespace mugai::test;
using mugai::sanitizers::attachment_strip::AttachmentStrip;
using mugai::sanitizers::attachment_strip::defaultPolicy;
using mugai::sanitizers::attachment_strip::Policy;

namespace {

MailOutcome strip(const std::string& mail, const Policy& policy = defaultPolicy()) {
  return runStage(mail, std::make_unique<AttachmentStrip>(policy));
}

const Node* part(const MailOutcome& o, const std::string& filename) {
  const Node* found = nullptr;
  o.input.root->forEach([&](const Node& n) {
    if (n.filename == filename) found = &n;
  });
  return found;
}

std::string removedFor(const MailOutcome& o, const std::string& filename) {
  const Node* n = part(o, filename);
  if (!n) return "(no such part)";
  return n->action == Action::Remove ? n->reasonCode : "kept";
}

// The code points of UTF-8 `s`, decoded here and not by core/display_text
// (the code under test). A byte that starts no sequence stands for itself.
std::vector<std::uint32_t> codePointsOf(const std::string& s) {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (i + n > s.size()) n = 1;
    std::uint32_t cp = n == 1 ? c : c & (0x7Fu >> n);
    for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

// Line breaks a viewer may follow (UAX #14 classes BK, CR, LF, NL) and
// characters that show nothing or reorder the text: none may stand in a
// notice line.
bool breaksOrHides(std::uint32_t cp) {
  static const std::set<std::uint32_t> kBad{0x09,   0x0B,   0x0C,   0x0D,   0x85,   0x2028, 0x2029,
                                            0x200B, 0x200E, 0x202E, 0x2066, 0xFEFF, 0x00AD, 0x180E,
                                            0xFE0F, 0x115F, 0x3164, 0x2060, 0xE0041};
  return kBad.count(cp) != 0 || (cp < 0x20 && cp != '\n') || (cp >= 0x7F && cp <= 0x9F);
}

// The notice of a rebuilt message, decoded, with CRLF as "\n".
std::string noticeOf(const MailOutcome& o) {
  auto again = runIdentity(o.output);
  const Node* notice = firstLeaf(*again.input.root);
  REQUIRE(notice);
  std::string text = charset::decodeText(notice->decoded, notice->charset);
  for (std::size_t at; (at = text.find("\r\n")) != std::string::npos;) text.erase(at, 1);
  return text;
}

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool finding(const MailOutcome& o, const std::string& code) {
  for (const auto& f : o.findings)
    if (f.code == code) return true;
  return false;
}

}  // namespace

TEST_CASE("dangerous true types are removed whatever they are called", "[attachment_strip]") {
  auto o = strip(mailWith({{"report.pdf", "application/pdf", peImage()},
                           {"photo.jpg", "image/jpeg", lnkFile()},
                           {"notes.txt", "text/plain", oneNoteFile()},
                           {"backup.dat", "application/octet-stream", isoImage()}}));
  CHECK(removedFor(o, "report.pdf") == "type.executable");
  CHECK(removedFor(o, "photo.jpg") == "type.shortcut");
  CHECK(removedFor(o, "notes.txt") == "type.onenote");
  CHECK(removedFor(o, "backup.dat") == "type.disk_image");
  CHECK(finding(o, "type.mismatch"));  // declared PDF, bytes are an executable
  CHECK(o.output.find("本文です") != std::string::npos);
}

TEST_CASE("dangerous extensions are removed even when the bytes look like text", "[attachment_strip]") {
  const std::string js = "var s = WScript.CreateObject(\"WScript.Shell\"); s.Run(\"cmd\");\n";
  auto o = strip(mailWith({{"invoice.js", "text/plain", js},
                           {"run.ps1", "text/plain", "Start-Process a.exe\n"},
                           {"page.hta", "text/html", "<html><script>x</script></html>"},
                           {"login.html", "text/html", "<form action=https://evil.example/>"},
                           {"請求書.xlsm", "application/octet-stream", storedZip({{"[Content_Types].xml", "<x/>"}})},
                           {"setup.msi", "application/octet-stream", "not really msi"},
                           {"a.7z", "application/octet-stream", "7z\xBC\xAF\x27\x1C"}}));
  CHECK(removedFor(o, "invoice.js") == "type.script");
  CHECK(removedFor(o, "run.ps1") == "type.script");
  CHECK(removedFor(o, "page.hta") == "type.script");
  CHECK(removedFor(o, "login.html") == "type.html_attachment");
  CHECK(removedFor(o, "請求書.xlsm") == "type.macro_office");
  CHECK(removedFor(o, "setup.msi") == "type.installer");
  CHECK(removedFor(o, "a.7z") == "type.unscannable_archive");
}

TEST_CASE("Office documents with VBA macros are found in the bytes", "[attachment_strip]") {
  auto macro = storedZip({{"[Content_Types].xml", "<Types/>"}, {"xl/vbaProject.bin", "VBA"}});
  auto plain = storedZip({{"[Content_Types].xml", "<Types/>"}, {"xl/workbook.xml", "<workbook/>"}});
  auto o = strip(mailWith({{"見積.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", macro},
                           {"plain.zip", "application/zip", plain}}));
  CHECK(removedFor(o, "見積.xlsx") == "type.macro_office");
  CHECK(removedFor(o, "plain.zip") == "kept");  // ZIPs stay for zip_scan
}

TEST_CASE("file-name tricks", "[attachment_strip][names]") {
  SECTION("U+202E right-to-left override is removed by default, reported when asked") {
    std::string name = "invoice\u202Efdp.txt";  // shows as invoicetxt.pdf
    auto o = strip(mailWith({{name, "text/plain", "hello\n"}}));
    CHECK(removedFor(o, name) == "name.bidi");
    Policy report = defaultPolicy();
    report.removeBidiNames = false;
    auto r = strip(mailWith({{name, "text/plain", "hello\n"}}), report);
    CHECK(removedFor(r, name) == "kept");
    CHECK(finding(r, "name.bidi"));
  }
  SECTION("line separators, C1 controls and invisible characters count like U+202E") {
    for (std::string name : {"a\u2028b.txt", "a\u2029b.txt", "a\u200Bb.txt", "a\u0085b.txt", "a\u180Eb.txt",
                             "a\U000E0041b.txt", "a\u3164b.txt", "a\tb.txt"}) {
      INFO(name);
      auto o = strip(mailWith({{name, "text/plain", "hello\n"}}));
      CHECK(removedFor(o, name) == "name.bidi");
      CHECK(finding(o, "name.bidi"));
    }
    auto plain = strip(mailWith({{"請求書 2026年.txt", "text/plain", "hello\n"}}));
    CHECK(removedFor(plain, "請求書 2026年.txt") == "kept");
  }
  SECTION("double extension, trailing dots, padding") {
    auto o = strip(mailWith({{"請求書.pdf.exe", "application/pdf", peImage()},
                             {"readme.txt.", "text/plain", "hi\n"},
                             {"photo.jpg                    .txt", "text/plain", "hi\n"}}));
    CHECK(removedFor(o, "請求書.pdf.exe") == "type.executable");
    CHECK(finding(o, "name.double_extension"));
    CHECK(finding(o, "name.trailing_dot_space"));
    CHECK(finding(o, "name.padding"));
  }
  SECTION("a Shift_JIS lead byte before a backslash cannot hide .js") {
    // Read with Shift_JIS pairing the name is 表 with no extension; a client
    // that takes the backslash as an escape reads `\x95" .js`.
    std::string mail = "Subject: x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
                       "Content-Type: text/plain\r\nContent-Disposition: attachment; filename=\"\x95\\\" .js\"\r\n\r\n"
                       "WScript.Echo(1)\r\n--B--\r\n";
    auto o = strip(mail);
    bool removed = false;
    o.input.root->forEach([&](const Node& n) { removed = removed || n.reasonCode == "type.script"; });
    CHECK(removed);
  }
  SECTION("Content-Type name is checked as well as the filename") {
    std::string mail = "Subject: x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
                       "Content-Type: text/plain; name=\"run.vbs\"\r\nContent-Disposition: attachment; filename=\"run.txt\"\r\n\r\n"
                       "MsgBox 1\r\n--B--\r\n";
    CHECK(removedFor(strip(mail), "run.txt") == "type.script");
  }
  SECTION("trailing dots do not hide the extension Windows acts on") {
    auto o = strip(mailWith({{"run.bat. . ", "text/plain", "@echo off\r\n"}}));
    CHECK(removedFor(o, "run.bat. . ") == "type.script");
  }
}

TEST_CASE("unknown types are removed; PDF, ZIP, text and images are kept", "[attachment_strip]") {
  std::string noise;
  for (int i = 0; i < 4096; ++i) noise += static_cast<char>((i * 7919 + 13) % 251);
  auto o = strip(mailWith({{"data.bin", "application/octet-stream", noise},
                           {"doc.pdf", "application/pdf", minimalPdf()},
                           {"arc.zip", "application/zip", storedZip({{"a.txt", "a"}})},
                           {"表.csv", "text/csv", "a,b\n1,2\n"}}));
  CHECK(removedFor(o, "data.bin") == "type.unknown");
  CHECK(removedFor(o, "doc.pdf") == "kept");
  CHECK(removedFor(o, "arc.zip") == "kept");
  CHECK(removedFor(o, "表.csv") == "kept");
}

TEST_CASE("body text that libmagic cannot type is kept", "[attachment_strip]") {
  // ISO-2022-JP with SO/SI half-width kana: libmagic says octet-stream.
  std::string mail = "From: a@example.jp\r\nSubject: x\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n"
                     "\x1B$BH>3Q\x1B(B: \x0E" "C^\x0F\r\n";
  auto o = strip(mail);
  CHECK(o.verdict == Verdict::Unchanged);
}

TEST_CASE("an executable sent as the body text is removed too", "[attachment_strip]") {
  std::string mail = "From: a@example.jp\r\nSubject: x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                     encodeBase64Lines(peImage(), "\r\n");
  auto o = strip(mail);
  CHECK(o.verdict == Verdict::Changed);
  CHECK(o.output.find("TVqQ") == std::string::npos);
}

TEST_CASE("modes: strip_all, allow, inline images", "[attachment_strip][modes]") {
  std::string png("\x89PNG\r\n\x1A\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1F\x15\xC4\x89", 33);
  auto mail = mailWith({{"doc.pdf", "application/pdf", minimalPdf()},
                        {"表.csv", "text/csv", "a,b\n"},
                        {"logo.png", "image/png", png, "inline", "Content-ID: <logo@x>\r\n"}});
  SECTION("strip_all removes every attachment but keeps the body and inline images") {
    Policy p = defaultPolicy();
    p.mode = sanitizers::attachment_strip::Mode::StripAll;
    auto o = strip(mail, p);
    CHECK(removedFor(o, "doc.pdf") == "policy.strip_all");
    CHECK(removedFor(o, "表.csv") == "policy.strip_all");
    CHECK(removedFor(o, "logo.png") == "kept");
    CHECK(o.output.find("本文です") != std::string::npos);
    p.keepInlineImages = false;
    CHECK(removedFor(strip(mail, p), "logo.png") == "policy.strip_all");
  }
  SECTION("allow keeps only the listed true types") {
    Policy p = defaultPolicy();
    p.mode = sanitizers::attachment_strip::Mode::Allow;
    p.allowTypes = {"application/pdf"};
    auto o = strip(mail, p);
    CHECK(removedFor(o, "doc.pdf") == "kept");
    CHECK(removedFor(o, "表.csv") == "policy.not_allowed");
  }
}

TEST_CASE("attachments inside an attached message meet the same policy", "[attachment_strip]") {
  std::string inner = mailWith({{"inner.exe", "application/octet-stream", peImage()}});
  std::string outer = mailWith({{"fwd.eml", "message/rfc822", inner}});
  auto o = strip(outer);
  CHECK(removedFor(o, "inner.exe") == "type.executable");
  CHECK(removedFor(o, "fwd.eml") == "kept");
}

TEST_CASE("the notice names the file, the category in both languages", "[attachment_strip][notice]") {
  auto o = strip(mailWith({{"請求書.exe", "application/octet-stream", peImage()}}));
  auto again = runIdentity(o.output);
  const Node* notice = firstLeaf(*again.input.root);
  REQUIRE(notice);
  std::string text = charset::decodeText(notice->decoded, notice->charset);
  CHECK(text.find("請求書.exe") != std::string::npos);
  CHECK(text.find("実行ファイル") != std::string::npos);
  CHECK(text.find("an executable program") != std::string::npos);
}

TEST_CASE("the default policy on the ClamAV test files", "[attachment_strip][corpus]") {
  // Every file is attached under its own name; every executable, archive we
  // cannot open, help file, TNEF and OLE-with-macros must go.
  namespace fs = std::filesystem;
  fs::path dir = corpora() / "clamav-testfiles/usr/share/clamav-testfiles";
  std::vector<Attachment> atts;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("clam", 0) == 0)
      atts.push_back({e.path().filename().string(), "application/octet-stream", readFile(e.path())});
  REQUIRE(atts.size() > 40);
  auto o = strip(mailWith(atts));
  int kept = 0;
  for (const auto& a : atts) {
    INFO(a.filename << " true type " << part(o, a.filename)->trueType());
    std::string r = removedFor(o, a.filename);
    if (a.filename.find(".exe") != std::string::npos && a.filename.find(".exe.") == std::string::npos)
      CHECK(r == "type.executable");
    if (r == "kept") ++kept;
  }
  // What may stay: ZIPs (zip_scan's job), PDF, RTF, HTML-less text, mail.
  for (const auto& a : atts) {
    std::string t = part(o, a.filename)->trueType();
    if (removedFor(o, a.filename) == "kept") {
      INFO(a.filename << " kept as " << t);
      CHECK((t == "application/zip" || t == "application/pdf" || t == "text/rtf" || t == "text/plain" ||
             t == "message/rfc822" || t.rfind("text/", 0) == 0));
    }
  }
  CHECK(kept < 15);
}

TEST_CASE("[stage.attachment_strip] config", "[attachment_strip][config]") {
  using Catch::Matchers::ContainsSubstring;
  SECTION("samples/mugai.toml spells out exactly the default policy") {
    Config sample = loadConfigFile(std::string(MUGAI_SOURCE_DIR) + "/samples/mugai.toml");
    REQUIRE(std::any_of(sample.stages.begin(), sample.stages.end(), [](const auto& s) { return s.name == "attachment_strip"; }));
    CHECK(sanitizers::attachment_strip::parsePolicy(test::stageOptions(sample, "attachment_strip"), "s") == defaultPolicy());
  }
  SECTION("mistakes name the line") {
    auto bad = [](const std::string& body) {
      return sanitizers::builtinRegistry().build(
          parseConfig("[pipeline]\nstages = [\"attachment_strip\"]\n[stage.attachment_strip]\n" + body, "p.toml"));
    };
    CHECK_THROWS_WITH(bad("mode = \"deny_all\"\n"), ContainsSubstring("p.toml:4") && ContainsSubstring("strip_all"));
    CHECK_THROWS_WITH(bad("deny_categories = [\"executables\"]\n"), ContainsSubstring("executables"));
    CHECK_THROWS_WITH(bad("mode = \"allow\"\n"), ContainsSubstring("allow_types"));
    CHECK_THROWS_WITH(bad("inline_image = \"keep\"\n"), ContainsSubstring("inline_image"));
  }
  SECTION("extensions may be written with or without the dot") {
    auto c = parseConfig("[pipeline]\nstages = [\"attachment_strip\"]\n[stage.attachment_strip]\ndeny_extensions = [\".TXT\"]\n", "q");
    auto p = sanitizers::attachment_strip::parsePolicy(*c.stages[0].options, "q");
    CHECK(p.denyExtensions == std::set<std::string>{"txt"});
  }
}

TEST_CASE("the notice never carries the bidi control of a removed name", "[attachment_strip][notice]") {
  std::string name = "invoice\u202Efdp.exe";
  auto o = strip(mailWith({{name, "text/plain", "hello\n"}}));
  auto again = runIdentity(o.output);
  const Node* notice = firstLeaf(*again.input.root);
  REQUIRE(notice);
  std::string text = charset::decodeText(notice->decoded, notice->charset);
  CHECK(text.find("\u202E") == std::string::npos);
  CHECK(text.find("invoice\uFFFDfdp.exe") != std::string::npos);
}

TEST_CASE("a file name cannot forge lines of the notice", "[attachment_strip][notice]") {
  // Each separator makes a viewer that follows Unicode line breaking start
  // a new line: the recipient would read a second "Reason" saying it is safe.
  const std::string forged = "請求書.pdf\u2028理由 / Reason: 検査済み・安全です\u2029\u0085\r\n\t\u200B\u202E"
                             "\u2066\uFEFF\u00AD\u180E\uFE0F\U000E0041\u3164.exe";
  auto o = strip(mailWith({{forged, "application/pdf", peImage()}}));
  REQUIRE(removedFor(o, forged) != "kept");
  std::string text = noticeOf(o);
  INFO(text);
  for (std::uint32_t cp : codePointsOf(text)) {
    INFO("U+" << std::hex << cp);
    CHECK_FALSE(breaksOrHides(cp));
  }
  int nameLines = 0, reasonLines = 0;
  for (const auto& line : linesOf(text)) {
    if (line.find("検査済み") != std::string::npos) {
      ++nameLines;
      CHECK(line.rfind("[1] ", 0) == 0);  // the forged text stays inside the name's own line
    }
    reasonLines += line.find("理由 / Reason:") != std::string::npos && line.rfind("    理由 / Reason:", 0) == 0;
  }
  CHECK(nameLines == 1);
  CHECK(reasonLines == 1);
}

TEST_CASE("the notice shortens a long name but keeps its extension in sight", "[attachment_strip][notice]") {
  const std::string name = std::string(150, 'a') + "請求書" + std::string(100, ' ') + ".exe";
  auto o = strip(mailWith({{name, "application/pdf", peImage()}}));
  std::string line;
  for (const auto& l : linesOf(noticeOf(o)))
    if (l.rfind("[1] ", 0) == 0) line = l;
  INFO(line);
  const std::string prefix = "[1] 削除 / Removed: ";
  REQUIRE(line.rfind(prefix, 0) == 0);
  const auto shown = codePointsOf(line.substr(prefix.size()));
  CHECK(shown.size() == 80);
  CHECK(line.find("\u2026.exe") != std::string::npos);
  CHECK(line.rfind(prefix + "aaaaaaaaaa", 0) == 0);
}
