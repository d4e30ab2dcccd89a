// office_cdr seen from outside, through the CLI as a user runs it: hostile
// samples written by test/tools/office_gen.py (one active element each) and
// every Office/RTF file of the shared corpora go through `mugai file` and
// `mugai mail`, and tools that share no code with mugai judge what comes
// out: test/tools/office_judge.py (zipfile, lxml, olefile) for active parts
// left and for the body text, clamscan's macro heuristics, LibreOffice
// (does the cleaned document still open and render its text?).
// The verdicts expected are written from what each file is (the generator's
// manifest, office_expected.tsv), never from mugai's own output.
// Python runs as /usr/bin/python3: the Debian packages (python3-docx,
// -xlsxwriter, -lxml, -olefile) are installed for it, not for another
// python3 that may come first on PATH.
#include <catch2/catch_test_macros.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "test/common/cli_run.h"
#include "test/common/corpus.h"
#include "test/common/samples.h"

namespace fs = std::filesystem;
using mugai::test::runCli;
using mugai::test::runCommand;

namespace {

const std::string kPython = "/usr/bin/python3";
const std::string kJapanese = "令和6年度 予算資料";

std::string tool(const std::string& name) { return std::string(MUGAI_SOURCE_DIR) + "/test/tools/" + name; }
std::string quoted(const fs::path& p) {
  std::string s = "'";
  for (char c : p.string()) s += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return s + "'";
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string item; std::getline(in, item, sep);) out.push_back(item);
  return out;
}

// One line of the generator's manifest.tsv (office_gen.py says what each column means).
struct Sample {
  std::string file, verdict, text, extension;
  std::vector<std::vector<std::string>> codes;  // each: alternatives, one must appear
  bool pdf = false;
};

struct Generated {
  fs::path dir;
  std::vector<Sample> samples;
};

// The samples, written once per process.
const Generated& generated() {
  static const Generated g = [] {
    Generated out;
    out.dir = mugai::test::freshTempDir("office-gen");
    auto r = runCommand(kPython + " " + tool("office_gen.py") + " " + quoted(out.dir / "in") + " --corpora " +
                        quoted(mugai::test::corpora()));
    INFO(r.out);
    REQUIRE(r.code == 0);
    std::ifstream m(out.dir / "in" / "manifest.tsv");
    for (std::string line; std::getline(m, line);) {
      if (line.empty() || line[0] == '#') continue;
      auto c = split(line, '\t');
      REQUIRE(c.size() == 6);
      Sample s{c[0], c[1], c[3], c[4], {}, c[5] == "1"};
      if (c[2] != "-")
        for (const auto& code : split(c[2], ',')) s.codes.push_back(split(code, '|'));
      out.samples.push_back(std::move(s));
    }
    REQUIRE(out.samples.size() > 30);
    return out;
  }();
  return g;
}

// What `mugai file` did with one input.
struct FileRun {
  std::string status;  // changed | unchanged | removed
  std::set<std::string> codes;
  fs::path output;  // the written document ("" when removed)
  std::string summary;
  nlohmann::json report;
};

std::set<std::string> codesOf(const nlohmann::json& report) {
  std::set<std::string> codes;
  for (const auto& f : report["findings"]) codes.insert(f["code"].get<std::string>());
  for (const auto& n : report["nodes"])
    if (n.contains("reason_code")) codes.insert(n["reason_code"].get<std::string>());
  return codes;
}

FileRun runFile(const fs::path& in, const fs::path& out, const std::string& extraArgs = "") {
  fs::create_directories(out.parent_path());
  const fs::path report = out.string() + ".report.json";
  FileRun r;
  auto run = runCli("file " + quoted(in) + " -o " + quoted(out) + " --report " + quoted(report) +
                    " --no-quarantine" + extraArgs);
  r.summary = run.out;
  if (run.code > 1 || !fs::exists(report)) {
    r.status = "error " + std::to_string(run.code);
    return r;
  }
  r.report = nlohmann::json::parse(mugai::test::readFile(report));
  r.codes = codesOf(r.report);
  if (fs::exists(out.string() + ".removed.txt")) {
    r.status = "removed";
  } else {
    r.status = r.report["verdict"] == "unchanged" ? "unchanged" : "changed";
    r.output = out;
  }
  return r;
}

std::string joined(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += x + " ";
  return out;
}

// Every generated sample through `mugai file`, once per process.
const std::map<std::string, FileRun>& generatedRuns() {
  static const std::map<std::string, FileRun> runs = [] {
    std::map<std::string, FileRun> out;
    const Generated& g = generated();
    for (const auto& s : g.samples) out[s.file] = runFile(g.dir / "in" / s.file, g.dir / "out" / s.file);
    return out;
  }();
  return runs;
}

// office_judge.py over `files` (path -> texts that must be there): one JSON per path.
std::map<std::string, nlohmann::json> judge(const std::map<fs::path, std::vector<std::string>>& files,
                                            const fs::path& scratch) {
  std::map<std::string, nlohmann::json> out;
  if (files.empty()) return out;
  {
    std::ofstream list(scratch);
    for (const auto& [p, texts] : files) {
      list << p.string();
      for (const auto& t : texts) list << '\t' << t;
      list << '\n';
    }
  }
  auto r = runCommand(kPython + " " + tool("office_judge.py") + " --list " + quoted(scratch) + " 2>/dev/null");
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded()) out[j["file"].get<std::string>()] = j;
  }
  REQUIRE(out.size() == files.size());
  return out;
}

std::string problemsOf(const nlohmann::json& verdict) {
  std::string s;
  for (const auto& p : verdict["problems"])
    s += p["kind"].get<std::string>() + " at " + p["where"].get<std::string>() + ": " + p["what"].get<std::string>() + "; ";
  return s;
}

// A ClamAV database that matches nothing, so clamscan runs offline with
// only its built-in heuristics (the ones asked for on the command line).
fs::path emptyClamDatabase(const fs::path& dir) {
  fs::path db = dir / "mugai-none.ndb";
  mugai::test::writeFile(db, "Mugai.Test.NoSuchBytes:0:*:6d756761692d6e6f2d737563682d62797465732d3132333435\n");
  return db;
}

// Lines clamscan reports as FOUND for `files`.
std::vector<std::string> clamFound(const std::vector<fs::path>& files, const fs::path& db) {
  std::string cmd = "clamscan -d " + quoted(db) + " --alert-macros=yes --alert-encrypted-doc=yes --no-summary";
  for (const auto& f : files) cmd += " " + quoted(f);
  auto r = runCommand(cmd);
  std::vector<std::string> found;
  for (const auto& line : split(r.out, '\n'))
    if (line.find(" FOUND") != std::string::npos) found.push_back(line);
  return found;
}

}  // namespace

TEST_CASE("office_cdr: each generated sample gets its verdict and its finding, and nothing active is left",
          "[office][cli]") {
  const Generated& g = generated();
  const auto& runs = generatedRuns();
  std::map<fs::path, std::vector<std::string>> toJudge;
  for (const auto& s : g.samples) {
    const FileRun& r = runs.at(s.file);
    INFO(s.file << " -> " << r.status << " [" << joined(r.codes) << "]\n" << r.summary);
    CHECK(r.status == s.verdict);
    for (const auto& alternatives : s.codes) {
      bool any = false;
      for (const auto& c : alternatives) any = any || r.codes.count(c);
      CHECK((any ? "" : "missing: " + alternatives.front()) == std::string());
    }
    CHECK(r.codes.count("sanitizer.failed") == 0);
    if (!r.output.empty()) toJudge[r.output] = {s.text, kJapanese};
  }
  auto verdicts = judge(toJudge, g.dir / "judge-list.tsv");
  for (const auto& [path, v] : verdicts) {
    INFO(path << ": " << problemsOf(v));
    CHECK(v["ok"] == true);
    for (const auto& [text, found] : v["texts"].items()) {
      INFO("text " << text);
      CHECK(found == true);
    }
  }
}

TEST_CASE("office_cdr: a macro-enabled document is delivered under a macro-free name and type", "[office][cli]") {
  const Generated& g = generated();
  const auto& runs = generatedRuns();
  for (const auto& s : g.samples) {
    if (s.extension == "-") continue;
    const FileRun& r = runs.at(s.file);
    INFO(s.file << " -> " << r.status << "\n" << r.summary);
    REQUIRE(r.status == "changed");
    // `mugai file -o OUT` writes OUT as given; the name the document is
    // delivered under (mail, scan, watch) is in the report and the summary.
    const std::string stem = fs::path(s.file).stem().string();
    CHECK(r.summary.find(stem + "." + s.extension) != std::string::npos);
    // The judge flags any macro-enabled content type left in the package.
    auto v = judge({{r.output, {}}}, g.dir / ("judge-" + s.file + ".tsv"));
    CHECK(v.begin()->second["ok"] == true);
  }
}

TEST_CASE("office_cdr: clamscan's macro heuristics find nothing in any cleaned output", "[office][cli]") {
  const Generated& g = generated();
  const auto& runs = generatedRuns();
  const fs::path db = emptyClamDatabase(g.dir);
  // The heuristic is live: it flags the macro-enabled inputs.
  auto before = clamFound({g.dir / "in" / "macro-vba-word.docm", g.dir / "in" / "macro-vba-excel.xlsm"}, db);
  REQUIRE(before.size() == 2);
  std::vector<fs::path> outputs;
  for (const auto& [name, r] : runs)
    if (!r.output.empty()) outputs.push_back(r.output);
  REQUIRE_FALSE(outputs.empty());
  for (const auto& line : clamFound(outputs, db)) {
    INFO(line);
    CHECK(line.empty());
  }
}

TEST_CASE("office_cdr: mugai mail delivers hostile attachments cleaned, under macro-free names", "[office][cli]") {
  const Generated& g = generated();
  const fs::path d = g.dir / "mail";
  fs::create_directories(d);
  std::vector<mugai::test::Attachment> attachments;
  const std::vector<std::pair<std::string, std::string>> picks = {
      {"macro-vba-word.docm", "application/vnd.ms-word.document.macroEnabled.12"},
      {"macro-vba-excel.xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12"},
      {"ddeauto-field.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {"ole-embedded.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
      {"macro-basic.odt", "application/vnd.oasis.opendocument.text"},
      {"clean-ja-word.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}};
  for (const auto& [file, type] : picks)
    attachments.emplace_back(file, type, mugai::test::readFile(g.dir / "in" / file));
  mugai::test::writeFile(d / "in.eml", mugai::test::mailWith(attachments, "資料を送付します。\r\n"));
  auto run = runCli("mail " + quoted(d / "in.eml") + " -o " + quoted(d / "out.eml") + " --report " +
                    quoted(d / "r.json") + " --no-quarantine");
  INFO(run.out);
  REQUIRE(run.code == 1);
  auto codes = codesOf(nlohmann::json::parse(mugai::test::readFile(d / "r.json")));
  INFO("codes: " << joined(codes));
  for (const char* code : {"office.vba_removed", "office.dde_removed", "office.ole_object_removed"})
    CHECK(codes.count(code) == 1);
  auto r = runCommand(kPython + " " + tool("office_judge.py") + " --text '" + kJapanese + "' --mail " +
                      quoted(d / "out.eml") + " 2>/dev/null");
  std::set<std::string> names;
  for (const auto& line : split(r.out, '\n')) {
    auto v = nlohmann::json::parse(line, nullptr, false);
    if (v.is_discarded()) continue;
    const std::string name = v["file"];
    names.insert(name);
    if (v["format"] == "text") continue;  // the notice of what was removed
    INFO(name << ": " << problemsOf(v));
    CHECK(v["ok"] == true);
    CHECK(v["texts"][kJapanese] == true);
  }
  INFO("attachments delivered: " << joined(names));
  for (const char* name : {"macro-vba-word.docx", "macro-vba-excel.xlsx", "ddeauto-field.docx", "ole-embedded.pptx",
                           "macro-basic.odt", "clean-ja-word.docx"})
    CHECK(names.count(name) == 1);
  CHECK(names.count("macro-vba-word.docm") == 0);
  CHECK(names.count("macro-vba-excel.xlsm") == 0);
}

TEST_CASE("office_cdr: LibreOffice renders every cleaned document with its text", "[office][libreoffice]") {
  const Generated& g = generated();
  const auto& runs = generatedRuns();
  const fs::path pdf = g.dir / "pdf";
  fs::create_directories(pdf);
  std::string files;
  std::map<std::string, std::string> expected;  // pdf stem -> text
  for (const auto& s : g.samples) {
    const FileRun& r = runs.at(s.file);
    if (!s.pdf || r.output.empty()) continue;
    files += " " + quoted(r.output);
    expected[r.output.stem().string()] = s.text;
  }
  REQUIRE_FALSE(expected.empty());
  // One soffice for all files: it takes seconds to start.
  const std::string profile = "file:///tmp/mugai-lo-" + std::to_string(::getpid());
  auto conv = runCommand("timeout 120 soffice --headless -env:UserInstallation=" + profile +
                         " --convert-to pdf --outdir " + quoted(pdf) + files);
  INFO(conv.out);
  fs::remove_all("/tmp/mugai-lo-" + std::to_string(::getpid()));
  for (const auto& [stem, text] : expected) {
    INFO(stem);
    const fs::path p = pdf / (stem + ".pdf");
    REQUIRE(fs::exists(p));
    // pdftotext, not our PDF code, reads it; the ASCII tag because the test
    // machine may have no Japanese font.
    auto t = runCommand("pdftotext -q " + quoted(p) + " -");
    CHECK(t.out.find(text) != std::string::npos);
  }
}

namespace {

// The config of the corpus sweep: the default pipeline without
// signature_scan, whose built-in ClamAV test hashes would otherwise name
// some files before office_cdr reads them.
fs::path corpusConfig(const fs::path& dir) {
  fs::path c = dir / "office.toml";
  mugai::test::writeFile(c, "[pipeline]\nstages = [\"office_cdr\", \"attachment_strip\", \"zip_scan\", "
                            "\"pdf_rerender\", \"html_to_text\", \"url_defang\"]\n");
  return c;
}

struct Expected {
  std::string status, code;
};

std::map<std::string, Expected> expectedTable() {
  std::map<std::string, Expected> table;
  std::ifstream tsv(std::string(MUGAI_SOURCE_DIR) + "/test/sanitizers/office_expected.tsv");
  for (std::string line; std::getline(tsv, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto c = split(line, '\t');
    REQUIRE(c.size() >= 3);
    table[c[0]] = {c[1], c[2]};
  }
  return table;
}

}  // namespace

TEST_CASE("office_cdr: every Office and RTF file of the corpora gets the verdict and code it deserves",
          "[office][corpus]") {
  const fs::path corpora = mugai::test::corpora();
  const fs::path d = mugai::test::freshTempDir("office-corpus");
  const fs::path config = corpusConfig(d);
  // Corpus-relative name -> file to run. Zips are opened first (oletools
  // keeps samples that antivirus engines flag in zips whose password is
  // "infected-test"); their members are named "ZIP!MEMBER".
  std::map<std::string, fs::path> inputs;
  for (const auto& e : fs::recursive_directory_iterator(corpora / "oletools/test-data")) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), corpora).string();
    if (e.path().extension() != ".zip") {
      inputs[rel] = e.path();
      continue;
    }
    const fs::path x = d / "unzipped" / e.path().filename();
    fs::create_directories(x);
    auto r = runCommand("unzip -qq -o -P infected-test " + quoted(e.path()) + " -d " + quoted(x));
    REQUIRE(r.code == 0);
    for (const auto& m : fs::recursive_directory_iterator(x))
      if (m.is_regular_file()) inputs[rel + "!" + fs::relative(m.path(), x).string()] = m.path();
  }
  for (const char* f : {"clamav-testfiles/usr/share/clamav-testfiles/clam.ole.doc",
                        "clamav-testfiles/usr/share/clamav-testfiles/clam.ppt",
                        "clamav-testfiles/usr/share/clamav-testfiles/clam.exe.rtf", "corkami-pocs/mini/rich.rtf"})
    inputs[f] = corpora / f;
  for (const auto& e : fs::directory_iterator(corpora / "zbateson-mail-mime-parser/tests/_data/emails/files"))
    if (e.path().extension() == ".doc") inputs[fs::relative(e.path(), corpora).string()] = e.path();

  const auto table = expectedTable();
  std::set<std::string> seen;
  std::map<fs::path, std::vector<std::string>> cleaned;
  int index = 0;
  for (const auto& [rel, path] : inputs) {
    INFO(rel);
    auto row = table.find(rel);
    CHECK(row != table.end());  // every file has a row
    if (row == table.end()) continue;
    seen.insert(rel);
    FileRun r = runFile(path, d / "out" / (std::to_string(++index) + "-" + path.filename().string()),
                        " -c " + quoted(config));
    INFO("-> " << r.status << " [" << joined(r.codes) << "]\n" << r.summary);
    CHECK(r.status == row->second.status);
    if (row->second.code != "-") {
      bool any = false;
      for (const auto& c : split(row->second.code, '|')) any = any || r.codes.count(c);
      CHECK(any);
    }
    CHECK(r.codes.count("sanitizer.failed") == 0);
    CHECK(r.codes.count("limit.time") == 0);
    // A file the table calls hostile never comes back untouched.
    if (row->second.status != "unchanged") CHECK(r.status != "unchanged");
    if (r.status == "changed") cleaned[r.output] = {};
  }
  // What came back cleaned holds nothing active, in the outside judge's eyes.
  for (const auto& [path, v] : judge(cleaned, d / "judge-list.tsv")) {
    INFO(path << ": " << problemsOf(v));
    CHECK(v["ok"] == true);
  }
  for (const auto& [rel, row] : table) {
    INFO("table row without a file: " << rel);
    CHECK(seen.count(rel) == 1);
  }
  CHECK(inputs.size() > 100);

  // The same files as attachments of one mail through `mugai mail`: each
  // attachment gets the same verdict as the file, and what is delivered
  // holds nothing active in the judge's eyes.
  std::vector<mugai::test::Attachment> attachments;
  std::map<std::string, std::string> expectedByName;  // attachment name -> status
  index = 0;
  for (const auto& [rel, path] : inputs) {
    auto row = table.find(rel);
    if (row == table.end()) continue;
    const std::string name = std::to_string(++index) + "-" + path.filename().string();
    attachments.emplace_back(name, "application/octet-stream", mugai::test::readFile(path));
    expectedByName[name] = row->second.status;
  }
  mugai::test::writeFile(d / "corpus.eml", mugai::test::mailWith(attachments, "Office 文書を送付します。\r\n"));
  auto mail = runCli("mail " + quoted(d / "corpus.eml") + " -o " + quoted(d / "corpus-out.eml") + " --report " +
                     quoted(d / "corpus.json") + " --no-quarantine -c " + quoted(config));
  INFO(mail.out);
  REQUIRE(mail.code == 1);
  const auto report = nlohmann::json::parse(mugai::test::readFile(d / "corpus.json"));
  std::set<std::string> judged;
  for (const auto& n : report["nodes"]) {
    if (!n.contains("filename") || !expectedByName.count(n["filename"].get<std::string>())) continue;
    const std::string name = n["filename"], action = n["action"];
    judged.insert(name);
    const std::string status = action == "keep" ? "unchanged" : action == "replace" ? "changed" : "removed";
    INFO(name << " in a mail: " << action << " " << n.value("reason_code", ""));
    CHECK(status == expectedByName[name]);
  }
  CHECK(judged.size() == expectedByName.size());
  auto delivered = runCommand(kPython + " " + tool("office_judge.py") + " --mail " + quoted(d / "corpus-out.eml") +
                              " 2>/dev/null");
  int documents = 0;
  for (const auto& line : split(delivered.out, '\n')) {
    auto v = nlohmann::json::parse(line, nullptr, false);
    if (v.is_discarded() || v["format"] == "text") continue;
    ++documents;
    INFO(v["file"].get<std::string>() << ": " << problemsOf(v));
    CHECK(v["ok"] == true);
  }
  CHECK(documents > 40);
  fs::remove_all(d);
}
