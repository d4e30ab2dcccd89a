// zip_scan: every hostile archive of the corpora gets the verdict and the
// finding it deserves (zip_expected.tsv), every archive of the five
// archive corpora finishes without a crash or a timeout, bombs stay within
// memory, and a re-packed archive is a valid ZIP holding only what the
// pipeline kept, with UTF-8 names.
#include <catch2/catch_test_macros.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/file_job.h"
#include "core/charset/charset.h"
#include "core/file_type.h"
#include "core/zip/layout.h"
#include "sanitizers/zip_scan/repack.h"
#include "sanitizers/zip_scan/zip_scan.h"
#include "sanitizers/builtin.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"
#include "test/common/samples.h"

namespace fs = std::filesystem;
using namespace mugai;

namespace {

// zip_scan's own findings: the default pipeline without signature_scan,
// whose sample hashes would otherwise name some ClamAV test archives
// before zip_scan looks at them (test/sanitizers/signature_scan_test.cpp).
const Config& zipConfig() {
  static const Config c =
      parseConfig("[pipeline]\nstages = [\"attachment_strip\", \"zip_scan\", \"html_to_text\", \"url_defang\"]\n",
                  "zip_scan_test");
  return c;
}

FileOutcome clean(const fs::path& p) {
  static const Pipeline pipeline = sanitizers::builtinRegistry().build(zipConfig());
  return processFile(test::readFile(p), p.filename().string(), zipConfig(), pipeline, "0");
}

FileOutcome cleanBytes(std::string bytes, const std::string& name) {
  static const Pipeline pipeline = sanitizers::builtinRegistry().build(zipConfig());
  return processFile(std::move(bytes), name, zipConfig(), pipeline, "0");
}

std::set<std::string> codesOf(const FileOutcome& o) {
  std::set<std::string> codes;
  for (const auto& f : o.findings) codes.insert(f.code);
  o.input.root->forEach([&](const Node& n) {
    if (!n.reasonCode.empty()) codes.insert(n.reasonCode);
  });
  return codes;
}

std::string statusOf(const FileOutcome& o) {
  return o.removed ? "removed" : o.verdict == Verdict::Unchanged ? "kept" : "changed";
}

std::vector<std::string> zipEntryNames(const std::string& zipBytes) {
  std::vector<std::string> names;
  for (const auto& e : zip::readLayout(zipBytes, 1000).entries) names.push_back(e.rawName);
  return names;
}

}  // namespace

TEST_CASE("zip_scan: each hostile archive gets the verdict and finding it deserves", "[zip]") {
  std::ifstream tsv(std::string(MUGAI_SOURCE_DIR) + "/test/sanitizers/zip_expected.tsv");
  int rows = 0;
  for (std::string line; std::getline(tsv, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream f(line);
    std::string path, status, code;
    std::getline(f, path, '\t');
    std::getline(f, status, '\t');
    std::getline(f, code, '\t');
    ++rows;
    FileOutcome o = clean(test::corpora() / path);
    auto codes = codesOf(o);
    std::string all;
    for (const auto& c : codes) all += c + " ";
    INFO(path << " -> " << statusOf(o) << " [" << all << "]");
    CHECK(statusOf(o) == status);
    if (code != "-") CHECK(codes.count(code) == 1);
    CHECK(codes.count("limit.time") == 0);
    CHECK(codes.count("sanitizer.failed") == 0);
  }
  CHECK(rows > 70);
}

TEST_CASE("zip_scan: every archive of the archive corpora finishes with a verdict", "[zip][corpus]") {
  int archives = 0;
  for (const char* dir : {"generated-archives", "recursive-extractor", "snyk-zip-slip", "corkami-pocs", "clamav-testfiles"})
    for (auto& e : fs::recursive_directory_iterator(test::corpora() / dir)) {
      if (!e.is_regular_file()) continue;
      FileOutcome o = clean(e.path());
      INFO(e.path().string());
      auto codes = codesOf(o);
      CHECK(codes.count("limit.time") == 0);
      CHECK(codes.count("sanitizer.failed") == 0);
      // A kept or re-packed ZIP is one our own reader finds clean.
      if (!o.removed && zip::readLayout(o.output, 100000).isZip && sanitizers::zip_scan::isZipArchive(trueType(o.output))) {
        zip::Layout l = zip::readLayout(o.output, 100000);
        CHECK_FALSE(l.critical());
      }
      archives += o.input.root->trueType().find("zip") != std::string::npos;
    }
  CHECK(archives > 40);
}

TEST_CASE("zip_scan: an .exe and a PDF in one ZIP come back as the PDF and a notice, in a valid archive", "[zip]") {
  const std::string pdf = test::minimalPdf();
  FileOutcome o = cleanBytes(test::storedZip({{"見積書.pdf", pdf}, {"run.exe", test::peImage()}}), "docs.zip");
  REQUIRE(statusOf(o) == "changed");
  fs::path d = test::freshTempDir("zip-repack");
  test::writeFile(d / "clean.zip", o.output);
  // Info-ZIP's own integrity test, independent of libzip.
  CHECK(std::system(("unzip -tq " + (d / "clean.zip").string() + " >/dev/null").c_str()) == 0);
  auto names = zipEntryNames(o.output);
  CHECK(names == std::vector<std::string>{"見積書.pdf", "run.exe.removed.txt"});
  for (const auto& e : zip::readLayout(o.output, 10).entries) {  // every name UTF-8, flagged; a plain file's mode
    CHECK(e.utf8Flag());
    CHECK(charset::isValidUtf8(e.rawName));
    CHECK((e.externalAttributes >> 16) == 0100644);
  }
  REQUIRE(std::system(("cd " + d.string() + " && unzip -q clean.zip").c_str()) == 0);
  CHECK(test::readFile(d / "見積書.pdf") == pdf);
  CHECK(test::readFile(d / "run.exe.removed.txt").find("run.exe") != std::string::npos);
  fs::remove_all(d);
}

TEST_CASE("zip_scan: archives inside archives are cleaned at every level", "[zip]") {
  std::string inner = test::storedZip({{"tool.exe", test::peImage()}, {"memo.txt", "hello\n"}});
  FileOutcome o = cleanBytes(test::storedZip({{"inner.zip", inner}, {"readme.txt", "top\n"}}), "outer.zip");
  REQUIRE(statusOf(o) == "changed");
  auto outer = zipEntryNames(o.output);
  CHECK(outer == std::vector<std::string>{"inner.zip", "readme.txt"});
  const Node* innerNode = nullptr;
  o.input.root->forEach([&](const Node& n) {
    if (n.filename == "inner.zip") innerNode = &n;
  });
  REQUIRE(innerNode);
  REQUIRE(innerNode->replacement);
  CHECK(zipEntryNames(innerNode->replacement->bytes) == std::vector<std::string>{"memo.txt", "tool.exe.removed.txt"});
}

TEST_CASE("zip_scan: Japanese names from Windows come back as UTF-8 with the flag", "[zip]") {
  FileOutcome o = clean(test::corpora() / "generated-archives/japanese-names/cp932-name-no-utf8-flag.zip");
  REQUIRE(statusOf(o) == "changed");
  auto entries = zip::readLayout(o.output, 10).entries;
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].utf8Flag());
  CHECK(entries[0].rawName == "見積書_2024年度.txt");
}

TEST_CASE("[stage.zip_scan] config: the sample spells out the defaults; mistakes name the line", "[zip][config]") {
  Config sample = loadConfigFile(std::string(MUGAI_SOURCE_DIR) + "/samples/mugai.toml");
  auto o = sanitizers::zip_scan::parseOptions(test::stageOptions(sample, "zip_scan"), "s");
  sanitizers::zip_scan::Options d;
  CHECK(o.maxArchiveDepth == d.maxArchiveDepth);
  CHECK(o.maxEntries == d.maxEntries);
  CHECK(o.maxEntryBytes == d.maxEntryBytes);
  CHECK(o.maxRatio == d.maxRatio);
  auto bad = [](const std::string& body) {
    return sanitizers::builtinRegistry().build(
        parseConfig("[pipeline]\nstages = [\"zip_scan\"]\n[stage.zip_scan]\n" + body, "z.toml"));
  };
  CHECK_THROWS_AS(bad("max_ratio = 1\n"), ConfigError);
  CHECK_THROWS_AS(bad("encrypted = \"ask\"\n"), ConfigError);
  CHECK(o.tryPasswords == d.tryPasswords);
  CHECK_THROWS_AS(bad("max_depht = 3\n"), ConfigError);
}

namespace {

Config passwordConfig() {
  return parseConfig("[stage.zip_scan]\nencrypted = \"password\"\n", "pw.toml");
}

std::string unzipped(const std::string& zipBytes, const std::string& entry) {
  fs::path d = test::freshTempDir("zip-pw");
  test::writeFile(d / "a.zip", zipBytes);
  std::string cmd = "unzip -p " + (d / "a.zip").string() + " '" + entry + "' > " + (d / "out").string();
  std::string out = std::system(cmd.c_str()) == 0 ? test::readFile(d / "out") : "(unzip failed)";
  fs::remove_all(d);
  return out;
}

}  // namespace

TEST_CASE("zip_scan: protected archives open with a given password and come back unprotected", "[zip][password]") {
  static const Config config = passwordConfig();
  static const Pipeline pipeline = sanitizers::builtinRegistry().build(config);
  const fs::path dir = test::corpora() / "generated-archives/encrypted";
  for (const char* name : {"zipcrypto-password-infected.zip", "aes128-password-infected.zip", "aes256-password-infected.zip"}) {
    INFO(name);
    SECTION(std::string("the right password among wrong ones: ") + name) {
      FileOutcome o = processFile(test::readFile(dir / name), name, config, pipeline, "0", {"wrong-one", "infected"});
      REQUIRE(statusOf(o) == "changed");
      CHECK(codesOf(o).count("zip.decrypted") == 1);
      CHECK(unzipped(o.output, "secret.txt").find("secret payload") != std::string::npos);
      for (const auto& e : zip::readLayout(o.output, 10).entries) CHECK_FALSE(e.encrypted());
    }
    SECTION(std::string("no password that fits: ") + name) {
      FileOutcome o = processFile(test::readFile(dir / name), name, config, pipeline, "0", {"guess1234"});
      CHECK(statusOf(o) == "removed");
      CHECK(codesOf(o).count("zip.encrypted_no_password") == 1);
    }
  }
  SECTION("the default policy removes protected archives even when a password is given") {
    FileOutcome o = processFile(test::readFile(dir / "aes128-password-infected.zip"), "a.zip", test::defaultConfig(),
                                sanitizers::builtinRegistry().build(test::defaultConfig()), "0", {"infected"});
    CHECK(statusOf(o) == "removed");
    CHECK(codesOf(o).count("zip.encrypted_aes") == 1);
  }
}

TEST_CASE("zip_scan: a PPAP mail is opened with the password written in its own body", "[zip][password]") {
  static const Config config = passwordConfig();
  static const Pipeline pipeline = sanitizers::builtinRegistry().build(config);
  std::string zip = test::readFile(test::corpora() / "generated-archives/encrypted/zipcrypto-password-infected.zip");
  std::string mail = test::mailWith({{"siryou.zip", "application/zip", zip}}, "資料を送付します。\r\nパスワード：infected\r\n");
  MailOutcome o = processMail(mail, config, pipeline, "0");
  REQUIRE(o.verdict == Verdict::Changed);
  const Node* archive = nullptr;
  o.input.root->forEach([&](const Node& n) {
    if (n.filename == "siryou.zip") archive = &n;
  });
  REQUIRE(archive);
  CHECK(archive->action == Action::Replace);
  REQUIRE(archive->replacement);
  CHECK(unzipped(archive->replacement->bytes, "secret.txt").find("secret payload") != std::string::npos);
}

TEST_CASE("zip_scan: bombs stay within 256 MB of memory", "[zip][limits]") {
  fs::path d = test::freshTempDir("zip-rss");
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::string cmd = std::string(MUGAI_CLI) + " scan " + (test::corpora() / "generated-archives/bombs").string() +
                      " --out " + (d / "out").string() + " --quarantine " + (d / "q").string() + " --jobs 1";
    ::execl("/bin/sh", "sh", "-c", ("exec " + cmd + " >/dev/null 2>&1").c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  rusage ru{};
  ::wait4(pid, &status, 0, &ru);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);  // all removed
  CHECK(ru.ru_maxrss < 256 * 1024);  // kilobytes
  fs::remove_all(d);
}

TEST_CASE("zip_scan: each limit refuses the archive when it is passed", "[zip][limits]") {
  auto withConfig = [](const std::string& toml, std::string bytes) {
    Config config = parseConfig(toml, "limits.toml");
    Pipeline pipeline = sanitizers::builtinRegistry().build(config);
    return processFile(std::move(bytes), "a.zip", config, pipeline, "0");
  };
  SECTION("archives nested past max_archive_depth") {
    std::string zip = test::storedZip({{"memo.txt", "hello\n"}});
    for (int level = 0; level < 6; ++level) zip = test::storedZip({{"level" + std::to_string(level) + ".zip", zip}});
    FileOutcome o = cleanBytes(zip, "deep.zip");  // default: 5
    CHECK(statusOf(o) == "removed");
    CHECK(codesOf(o).count("limit.archive_depth") == 1);
    FileOutcome shallow = withConfig("[stage.zip_scan]\nmax_archive_depth = 10\n", zip);
    CHECK(statusOf(shallow) != "removed");
  }
  SECTION("an entry larger than max_entry_bytes") {
    FileOutcome o = withConfig("[stage.zip_scan]\nmax_entry_bytes = 1024\n", test::storedZip({{"big.txt", std::string(2000, 'x')}}));
    CHECK(statusOf(o) == "removed");
    CHECK(codesOf(o).count("limit.archive_entry_bytes") == 1);
  }
  SECTION("entries adding up past max_decoded_bytes, though the archive itself is small") {
    // Two deflated entries of 600 kB: a 2 kB archive, 1.2 MB inside.
    fs::path d = test::freshTempDir("zip-budget");
    REQUIRE(test::runCommand("python3 -c \"import zipfile; z = zipfile.ZipFile('" + (d / "a.zip").string() +
                             "', 'w', zipfile.ZIP_DEFLATED); [z.writestr(n, 'y' * 600000) for n in ('a.txt', 'b.txt')]; "
                             "z.close()\"").code == 0);
    std::string zip = test::readFile(d / "a.zip");
    REQUIRE(zip.size() < 1048576);
    FileOutcome o = withConfig("[limits]\nmax_decoded_bytes = 1048576\n", zip);
    CHECK(statusOf(o) == "removed");
    CHECK(codesOf(o).count("limit.decoded_bytes") == 1);
    CHECK(statusOf(withConfig("[limits]\nmax_decoded_bytes = 2097152\n", zip)) == "kept");
    fs::remove_all(d);
  }
}

TEST_CASE("zip_scan: an entry's stream must hold exactly its declared bytes, in valid Deflate", "[zip][limits]") {
  // One Deflate entry written by Python's zipfile, then patched the way a
  // crafted archive would be: local and central headers agree, the data
  // does not.
  fs::path d = test::freshTempDir("zip-stream");
  const std::string make =
      "import struct, sys, zipfile\n"
      "p = sys.argv[1]\n"
      "z = zipfile.ZipFile(p + '/ok.zip', 'w', zipfile.ZIP_DEFLATED); z.writestr('a.txt', 'z' * 5000); z.close()\n"
      "b = bytearray(open(p + '/ok.zip', 'rb').read())\n"
      "c = b.index(b'PK\\x01\\x02')\n"
      "big = bytearray(b); struct.pack_into('<I', big, 22, 6000); struct.pack_into('<I', big, c + 24, 6000)\n"
      "open(p + '/fewer.zip', 'wb').write(big)\n"
      "bad = bytearray(b); data = 30 + struct.unpack_from('<H', b, 26)[0] + struct.unpack_from('<H', b, 28)[0]\n"
      "bad[data] = 0xFF\n"  // BFINAL=1, BTYPE=11: a reserved block type
      "open(p + '/bad-deflate.zip', 'wb').write(bad)\n"
      // Four bytes after the end of the Deflate stream, inside the entry's
      // compressed size: no client reads them, a raw copy would keep them.
      "c0 = b.index(b'PK\\x01\\x02'); e0 = b.index(b'PK\\x05\\x06')\n"
      "comp = struct.unpack_from('<I', b, 18)[0]\n"
      "t = bytearray(b[:data + comp] + b'junk' + b[data + comp:])\n"
      "struct.pack_into('<I', t, 18, comp + 4); struct.pack_into('<I', t, c0 + 4 + 20, comp + 4)\n"
      "struct.pack_into('<I', t, e0 + 4 + 16, c0 + 4)\n"
      "open(p + '/trailing.zip', 'wb').write(t)\n";
  {
    std::ofstream(d / "make.py") << make;
  }
  REQUIRE(test::runCommand("python3 " + (d / "make.py").string() + " " + d.string()).code == 0);
  SECTION("the intact archive is kept") { CHECK(statusOf(cleanBytes(test::readFile(d / "ok.zip"), "ok.zip")) == "kept"); }
  SECTION("a stream shorter than the declared size") {
    FileOutcome o = cleanBytes(test::readFile(d / "fewer.zip"), "fewer.zip");
    CHECK(statusOf(o) == "removed");
    CHECK(codesOf(o).count("zip.size_mismatch") == 1);
  }
  SECTION("bytes hidden after the end of the Deflate stream") {
    FileOutcome o = cleanBytes(test::readFile(d / "trailing.zip"), "trailing.zip");
    CHECK(statusOf(o) == "removed");
    CHECK(codesOf(o).count("zip.corrupt_entry") == 1);
  }
  SECTION("data that is not Deflate") {
    FileOutcome o = cleanBytes(test::readFile(d / "bad-deflate.zip"), "bad-deflate.zip");
    CHECK(statusOf(o) == "removed");
    CHECK(codesOf(o).count("zip.corrupt_entry") == 1);
  }
  fs::remove_all(d);
}

TEST_CASE("zip_scan: a re-pack past 65535 entries is written with ZIP64 records that unzip reads", "[zip]") {
  // What max_entries may allow: the end record's 16-bit count overflows.
  const std::string text = "kept\n";
  std::vector<sanitizers::zip_scan::PackedFile> files;
  for (int i = 0; i < 70000; ++i) files.push_back({"d/" + std::to_string(i) + ".txt", &text, nullptr, 0, 0, i % 2 == 0});
  std::string error;
  auto packed = sanitizers::zip_scan::repack(files, "", error);
  REQUIRE(packed);
  zip::Layout layout = zip::readLayout(*packed, 100000);
  CHECK(layout.zip64);
  CHECK(layout.entries.size() == 70000);
  for (const auto& f : layout.findings) CHECK(f.code == "zip.zip64");  // named, and nothing else
  fs::path d = test::freshTempDir("zip64-repack");
  test::writeFile(d / "many.zip", *packed);
  CHECK(std::system(("unzip -tq " + (d / "many.zip").string() + " >/dev/null").c_str()) == 0);
  auto py = test::runCommand("python3 -c \"import zipfile, sys; z = zipfile.ZipFile(sys.argv[1]); "
                             "print(len(z.infolist()), z.read('d/69999.txt').decode())\" " + (d / "many.zip").string());
  CHECK(py.out == "70000 kept\n\n");
  fs::remove_all(d);
}

TEST_CASE("zip_scan: names that land on one file once cleaned refuse the archive; notices never overwrite", "[zip]") {
  SECTION("\"a/./b.txt\" and \"a//B.txt\" are one file") {
    FileOutcome o = cleanBytes(test::storedZip({{"a/./b.txt", "one\n"}, {"a//B.txt", "two\n"}}), "dup.zip");
    CHECK(statusOf(o) == "removed");
    CHECK(codesOf(o).count("zip.duplicate_names") == 1);
  }
  SECTION("an entry named \".\"") {
    FileOutcome o = cleanBytes(test::storedZip({{".", "x\n"}, {"memo.txt", "hello\n"}}), "dot.zip");
    CHECK(statusOf(o) == "removed");
    CHECK(codesOf(o).count("zip.empty_name") == 1);
  }
  SECTION("a kept file already named like the notice of a removed one") {
    FileOutcome o = cleanBytes(
        test::storedZip({{"run.exe", test::peImage()}, {"run.exe.removed.txt", "the sender's own text\n"}}), "n.zip");
    REQUIRE(statusOf(o) == "changed");
    CHECK(zipEntryNames(o.output) == std::vector<std::string>{"run.exe.removed.txt", "run.exe.removed-2.txt"});
    CHECK(unzipped(o.output, "run.exe.removed.txt") == "the sender's own text\n");
  }
}

TEST_CASE("zip_scan: the writer refuses names a client cannot write as one file, and keeps a copied entry's method bits", "[zip]") {
  using sanitizers::zip_scan::PackedFile;
  using sanitizers::zip_scan::repack;
  const std::string text = "x\n";
  std::string error;
  SECTION("a name longer than the 16-bit length field") {
    CHECK_FALSE(repack({PackedFile{std::string(70000, 'a'), &text}}, "", error));
    CHECK(error.find("65535") != std::string::npos);
  }
  SECTION("two names equal up to case") {
    CHECK_FALSE(repack({PackedFile{"Memo.txt", &text}, PackedFile{"memo.TXT", &text}}, "", error));
  }
  SECTION("an empty name") { CHECK_FALSE(repack({PackedFile{"", &text}}, "", error)); }
  SECTION("a kept entry copied from the original keeps its Deflate option bits (APPNOTE 4.4.4)") {
    const std::string original = test::storedZip({{"a.txt", "kept\n"}});
    zip::Entry e = zip::readLayout(original, 10).entries.at(0);
    e.flags |= 0x0002;  // "maximum compression" option, as the sender wrote it
    auto packed = repack({PackedFile{"a.txt", nullptr, &e}}, original, error);
    REQUIRE(packed);
    const auto entries = zip::readLayout(*packed, 10).entries;
    REQUIRE(entries.size() == 1);
    CHECK((entries[0].flags & 0x0006) == 0x0002);
    CHECK(entries[0].utf8Flag());
  }
}

TEST_CASE("zip_scan: data before an archive whose offsets were not corrected refuses it", "[zip]") {
  // The corpora's prepended-junk archives start with "#!/bin/sh", which
  // attachment_strip removes as a script before zip_scan looks.
  const std::string zipBytes = test::storedZip({{"memo.txt", "hello\n"}});
  auto cleanWith = [&](const std::string& prefix) {
    FileOutcome o = cleanBytes(prefix + zipBytes, "prefixed.zip");
    std::string all;
    for (const auto& c : codesOf(o)) all += c + " ";
    INFO(o.input.root->trueType() << " [" << all << "]");
    CHECK(statusOf(o) == "removed");
    return o;
  };
  SECTION("a stray local header: a ZIP to libmagic, so zip_scan's own check decides") {
    std::string stray = std::string("PK\x03\x04", 4) + std::string(60, '\0');
    FileOutcome o = cleanWith(stray);
    CHECK(o.input.root->trueType() == "application/zip");
    CHECK(o.input.root->reasonCode == "zip.prefixed_data_uncorrected");
    CHECK(o.input.root->decidedBy == "zip_scan");
  }
  SECTION("plain text: libmagic no longer sees a ZIP, and an unknown type is removed") {
    FileOutcome o = cleanWith("just some text before the archive\n");
    CHECK(o.input.root->reasonCode == "type.unknown");
  }
}

TEST_CASE("zip_scan: the notice file of a removed entry masks a forged name", "[zip][notice]") {
  const std::string name = "請求書.pdf\u2028理由 / Reason: 安全です.exe";
  FileOutcome o = cleanBytes(test::storedZip({{name, test::peImage()}, {"memo.txt", "hello\n"}}), "docs.zip");
  REQUIRE(statusOf(o) == "changed");
  fs::path d = test::freshTempDir("zip-notice");
  test::writeFile(d / "clean.zip", o.output);
  // Info-ZIP reads the notice entry, independent of our reader.
  auto unzipped = test::runCommand("unzip -p " + (d / "clean.zip").string() + " '*.removed.txt'");
  fs::remove_all(d);
  CHECK(unzipped.code == 0);
  const std::string& text = unzipped.out;
  INFO(text);
  REQUIRE(text.find("安全です") != std::string::npos);
  CHECK(text.find("\u2028") == std::string::npos);
  CHECK(text.find("請求書.pdf\uFFFD理由") != std::string::npos);
}
