// pdf_rerender, checked from outside: poppler-utils and qpdf (not our code)
// judge every output. Over the PDF corpora each file is either re-rendered
// with the original's page count, sizes and rotation and no active content
// left, or removed with a named finding; bombs are refused within budget;
// a drawn page matches pdftoppm's drawing of the original; the worker's
// seccomp filter really stops forbidden calls, and its Landlock ruleset
// lets it read fonts and nothing else.
//
// No assertion here is a wall-clock time: a bound is a budget hit (the
// finding's code), a limit the worker is given, or an outcome. CTest's
// per-test TIMEOUT catches a hang; timings belong in test/bench.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "core/config.h"
#include "core/file_job.h"
#include "sanitizers/builtin.h"
#include "sanitizers/pdf_rerender/pdf_rerender.h"
#include "sanitizers/pdf_rerender/pdf_writer.h"
#include "sanitizers/pdf_rerender/worker_client.h"
#include "sanitizers/pdf_rerender/worker_protocol.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"
#include "test/common/samples.h"

namespace fs = std::filesystem;
using namespace mugai;
using Catch::Matchers::ContainsSubstring;
using mugai::test::runCommand;

namespace {

/// A PDF of the given objects (numbered from 1; the first is the catalog),
/// with a correct cross-reference table.
std::string pdfFromObjects(const std::vector<std::string>& objs) {
  std::string out = "%PDF-1.7\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objs.size(); ++i) {
    offsets.push_back(out.size());
    out += std::to_string(i + 1) + " 0 obj\n" + objs[i] + "\nendobj\n";
  }
  const std::size_t xref = out.size();
  out += "xref\n0 " + std::to_string(objs.size() + 1) + "\n0000000000 65535 f \n";
  for (auto o : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
    out += line;
  }
  out += "trailer\n<< /Size " + std::to_string(objs.size() + 1) + " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) +
         "\n%%EOF\n";
  return out;
}

/// A PDF of `pages` pages (size w x h pt, /Rotate rotate) with filled
/// rectangles at page-dependent places, plus the active parts an attacker
/// uses: an OpenAction JavaScript, a link annotation with a URI, and an
/// additional action on the page.
std::string activePdf(int pages, double w, double h, int rotate) {
  std::vector<std::string> objs;
  std::string kids;
  for (int i = 0; i < pages; ++i) kids += std::to_string(5 + 2 * i) + " 0 R ";
  objs.push_back("<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>");
  objs.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages) + " >>");
  objs.push_back("<< /S /JavaScript /JS (app.alert\\('pwned'\\)) >>");
  objs.push_back("<< /Type /Annot /Subtype /Link /Rect [10 10 200 50] /A << /S /URI /URI (http://evil.example/) >> >>");
  for (int i = 0; i < pages; ++i) {
    std::ostringstream draw;
    draw << "0 0 0 rg " << 40 + 20 * i << " " << h - 120 << " 200 60 re f 0.8 0.1 0.1 rg 60 80 " << w / 3 << " "
         << h / 4 << " re f";
    objs.push_back("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + std::to_string(w) + " " + std::to_string(h) +
                   "] /Rotate " + std::to_string(rotate) + " /Annots [4 0 R] /AA << /O 3 0 R >> /Contents " +
                   std::to_string(6 + 2 * i) + " 0 R >>");
    objs.push_back("<< /Length " + std::to_string(draw.str().size()) + " >>\nstream\n" + draw.str() + "\nendstream");
  }
  return pdfFromObjects(objs);
}

const Config& pdfConfig(const std::string& extra = "") {
  static std::map<std::string, Config> configs;
  auto it = configs.find(extra);
  if (it == configs.end())
    it = configs.emplace(extra, parseConfig("[pipeline]\nstages = [\"pdf_rerender\"]\n[stage.pdf_rerender]\n" + extra,
                                            "pdf_test.toml")).first;
  return it->second;
}

FileOutcome clean(const std::string& bytes, const std::string& name, const Config& config,
                  const std::vector<std::string>& passwords = {}) {
  const Pipeline pipeline = sanitizers::builtinRegistry().build(config);
  return processFile(bytes, name, config, pipeline, "0", passwords);
}

std::string tool(const std::string& command) { return runCommand("timeout 20 " + command).out; }

/// A path as one shell word (corpus file names have spaces and quotes).
std::string q(const fs::path& p) {
  std::string out = "'";
  for (char c : p.string()) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct PageInfo {
  double w = 0, h = 0;
  int rot = 0;
};

/// pdfinfo's page list (`-f 1 -l N`), or empty when pdfinfo fails.
std::vector<PageInfo> pagesOf(const fs::path& pdf, int last) {
  const std::string out = tool("pdfinfo -f 1 -l " + std::to_string(last) + " " + q(pdf) + " 2>/dev/null");
  std::vector<PageInfo> pages;
  std::smatch m;
  static const std::regex size(R"(Page +(\d+) size: +([0-9.]+) x ([0-9.]+) pts)"), rot(R"(Page +(\d+) rot: +(\d+))");
  for (auto it = std::sregex_iterator(out.begin(), out.end(), size); it != std::sregex_iterator(); ++it)
    pages.push_back({std::stod((*it)[2]), std::stod((*it)[3]), 0});
  std::size_t i = 0;
  for (auto it = std::sregex_iterator(out.begin(), out.end(), rot); it != std::sregex_iterator() && i < pages.size(); ++it)
    pages[i++].rot = std::stoi((*it)[2]) % 360;
  return pages;
}

int pageCount(const fs::path& pdf) {
  std::smatch m;
  const std::string out = tool("pdfinfo " + q(pdf) + " 2>/dev/null");
  return std::regex_search(out, m, std::regex(R"(Pages: +(\d+))")) ? std::stoi(m[1]) : -1;
}

bool has(const std::string& text, const char* pattern) { return std::regex_search(text, std::regex(pattern)); }

/// The independent checks every output must pass.
void checkNoActiveContent(const fs::path& out) {
  const std::string info = tool("pdfinfo " + q(out));
  INFO(info);
  CHECK(has(info, "JavaScript: +no"));
  CHECK(has(info, "Form: +none"));
  CHECK_THAT(tool("pdfdetach -list " + q(out)), ContainsSubstring("0 embedded files"));
  const fs::path qdf = out.string() + ".qdf";
  REQUIRE(runCommand("qpdf --qdf --object-streams=disable " + q(out) + " " + q(qdf)).code == 0);
  // Look at the objects, not at the (decompressed) pixels of the images.
  std::string text = test::readFile(qdf), objects;
  for (std::size_t at = 0;;) {
    const auto s = text.find("stream\n", at);
    objects += text.substr(at, s == std::string::npos ? std::string::npos : s - at);
    if (s == std::string::npos) break;
    const auto e = text.find("\nendstream", s);
    if (e == std::string::npos) break;
    at = e + 10;
  }
  for (const char* key : {"/JS", "/JavaScript", "/OpenAction", "/AA", "/Launch", "/EmbeddedFile", "/URI", "/AcroForm",
                          "/XFA", "/RichMedia", "/SubmitForm", "/Annots"})
    CHECK(objects.find(key) == std::string::npos);
  fs::remove(qdf);
}

std::string reasonCode(const FileOutcome& o) { return o.input.root->reasonCode; }

void sweep(const std::string& dir, const std::string& mode = "raster") {
  const fs::path tmp = test::freshTempDir("pdf-sweep-" + mode + "-" + fs::path(dir).filename().string());
  // Low resolution and a short deadline: this is about what survives and
  // what is refused, not about drawing quality (tested below).
  const Config& config = pdfConfig("mode = \"" + mode + "\"\ndpi = 36\ntimeout_seconds = 15\n");
  std::size_t rendered = 0, removed = 0, notPdf = 0, compared = 0;
  for (const auto& e : fs::recursive_directory_iterator(test::corpora() / dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".pdf") continue;
    INFO(e.path());
    // timeout_seconds bounds each file; running out of it is an outcome
    // (pdf.timeout, removed), checked like any other below.
    const FileOutcome o = clean(test::readFile(e.path()), e.path().filename().string(), config);
    const std::string code = reasonCode(o);
    if (code.empty()) {
      ++notPdf;  // libmagic does not call it a PDF: not this stage's business
      CHECK(o.verdict == Verdict::Unchanged);
      continue;
    }
    if (code != "pdf.rerendered") {
      ++removed;
      CHECK(o.removed);
      CHECK(code.starts_with("pdf."));
      CHECK_FALSE(o.input.root->reason.empty());
      continue;
    }
    ++rendered;
    REQUIRE_FALSE(o.removed);
    const fs::path out = tmp / "out.pdf";
    test::writeFile(out, o.output);
    checkNoActiveContent(out);
    const int n = pageCount(out);
    const auto mine = pagesOf(out, std::min(n, 30));
    const auto theirs = pagesOf(e.path(), std::min(n, 30));
    if (theirs.empty()) continue;  // pdfinfo cannot read the original: nothing to compare with
    ++compared;
    CHECK(pageCount(e.path()) == n);
    REQUIRE(mine.size() == theirs.size());
    for (std::size_t i = 0; i < mine.size(); ++i) {
      INFO("page " << i + 1);
      CHECK(std::fabs(mine[i].w - theirs[i].w) < 0.05);
      CHECK(std::fabs(mine[i].h - theirs[i].h) < 0.05);
      CHECK(mine[i].rot == theirs[i].rot);
    }
  }
  INFO(dir << " (" << mode << "): rendered " << rendered << ", removed " << removed << ", not PDF " << notPdf);
  CHECK(rendered > removed);
  CHECK(compared * 10 >= rendered * 9);
  fs::remove_all(tmp);
}

/// A one-page PDF that is a photograph as far as compression goes: a colour
/// checkerboard of 48-pixel squares under strong deterministic noise, as an
/// 8.5 x 11 in page image at 100 dpi.
std::string photoPdf() {
  sanitizers::pdf_rerender::PageImage p;
  p.width = 850, p.height = 1100, p.components = 3, p.widthPt = 612, p.heightPt = 792;
  std::string rgb(std::size_t{p.width} * p.height * 3, '\0');
  std::uint32_t seed = 12345;
  for (std::uint32_t y = 0; y < p.height; ++y)
    for (std::uint32_t x = 0; x < p.width; ++x)
      for (int c = 0; c < 3; ++c) {
        seed = seed * 1664525u + 1013904223u;
        const int base = ((x / 48 + y / 48) % 2) ? 200 - 60 * c : 40 + 50 * c;
        const int v = base + static_cast<int>(seed >> 26) - 32;  // +-32 of noise
        rgb[(std::size_t{y} * p.width + x) * 3 + c] = static_cast<char>(std::clamp(v, 0, 255));
      }
  uLongf len = compressBound(static_cast<uLong>(rgb.size()));
  p.data.resize(len);
  REQUIRE(compress2(reinterpret_cast<Bytef*>(p.data.data()), &len, reinterpret_cast<const Bytef*>(rgb.data()),
                    static_cast<uLong>(rgb.size()), 6) == Z_OK);
  p.data.resize(len);
  return sanitizers::pdf_rerender::writePdf({p});
}

/// Grey pixels of page 1 drawn by pdftoppm at `dpi`.
std::vector<unsigned char> grey(const fs::path& pdf, int dpi, int& w, int& h) {
  const std::string stem = pdf.string() + ".pgm";
  runCommand("pdftoppm -gray -r " + std::to_string(dpi) + " -f 1 -l 1 -singlefile " + pdf.string() + " " + pdf.string());
  const std::string pgm = test::readFile(stem);
  std::istringstream in(pgm);
  std::string magic;
  int max = 0;
  in >> magic >> w >> h >> max;
  in.get();
  REQUIRE(magic == "P5");
  const auto at = static_cast<std::size_t>(in.tellg());
  return {pgm.begin() + static_cast<std::ptrdiff_t>(at), pgm.end()};
}

std::vector<double> blockMeans(const std::vector<unsigned char>& px, int w, int h) {
  std::vector<double> out;
  for (int by = 0; by + 8 <= h; by += 8)
    for (int bx = 0; bx + 8 <= w; bx += 8) {
      double s = 0;
      for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 8; ++x) s += px[(by + y) * w + bx + x];
      out.push_back(s / 64);
    }
  return out;
}

double meanDiff(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += std::fabs(a[i] - b[i]);
  return s / static_cast<double>(a.size());
}

/// Page 1 of `ours` and of `orig`, both drawn by pdftoppm at 150 dpi, are
/// compared as means of 8 x 8 blocks (1.4 mm), so that a viewer's
/// resampling of a page image does not count but anything misplaced or
/// missing does.
void checkDrawnLike(const fs::path& ours, const fs::path& orig, const fs::path& scratch) {
  fs::copy_file(ours, scratch / "a.pdf", fs::copy_options::overwrite_existing);
  fs::copy_file(orig, scratch / "b.pdf", fs::copy_options::overwrite_existing);
  int w1, h1, w2, h2;
  const auto oursPixels = grey(scratch / "a.pdf", 150, w1, h1);
  const auto origPixels = grey(scratch / "b.pdf", 150, w2, h2);
  REQUIRE((w1 == w2 && h1 == h2));
  const auto mineBlocks = blockMeans(oursPixels, w1, h1);
  const auto origBlocks = blockMeans(origPixels, w2, h2);
  // What a wrong drawing would score: a blank page, and the original
  // shifted by 16 pixels (2.7 mm).
  std::vector<unsigned char> shifted(origPixels.size(), 255);
  for (int y = 0; y < h2; ++y)
    for (int x = 16; x < w2; ++x) shifted[y * w2 + x] = origPixels[y * w2 + x - 16];
  const double mine = meanDiff(mineBlocks, origBlocks);
  const double wrong =
      std::min(meanDiff(blockMeans(std::vector<unsigned char>(origPixels.size(), 255), w2, h2), origBlocks),
               meanDiff(blockMeans(shifted, w2, h2), origBlocks));
  INFO("mean block difference " << mine << ", a wrong page " << wrong);
  CHECK(wrong > 1);  // the page has enough ink for the comparison to mean something
  CHECK(mine < wrong / 3);
}

}  // namespace

TEST_CASE("pdf_rerender: the worker's seccomp filter stops forbidden calls", "[pdf][sandbox]") {
  sanitizers::pdf_rerender::RenderOptions o;
  for (const char* call : {"execve", "fork", "socket"}) {
    INFO(call);
    const int status = sanitizers::pdf_rerender::runWorkerSelftest(o, call);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGSYS);
  }
  // Opening for writing fails (and the worker carries on), and the same
  // worker without a forbidden call exits normally.
  int status = sanitizers::pdf_rerender::runWorkerSelftest(o, "open-write");
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  CHECK_FALSE(fs::exists("/tmp/mugai-pdf-worker-selftest"));
  status = sanitizers::pdf_rerender::runWorkerSelftest(o, "none");
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  // A descriptor of ours opened without O_CLOEXEC (as a careless library
  // might) still does not reach the renderer.
  const int leaked = ::open("/etc/hostname", O_RDONLY);
  REQUIRE(leaked >= 0);
  status = sanitizers::pdf_rerender::runWorkerSelftest(o, "fds");
  ::close(leaked);
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

namespace {

/// A page of text in Helvetica, which the PDF does not embed: poppler has to
/// find a font through fontconfig and read it from the system.
std::string systemFontPdf() {
  const std::string draw = "BT /F1 36 Tf 40 700 Td (Landlock lets fonts through) Tj 0 -60 Td (ABCDEFGHIJKLM) Tj ET";
  return pdfFromObjects({"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                         "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                         "/Resources << /Font << /F1 5 0 R >> >> >>",
                         "<< /Length " + std::to_string(draw.size()) + " >>\nstream\n" + draw + "\nendstream",
                         "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"});
}

}  // namespace

TEST_CASE("pdf_rerender: a renderer reads fonts and nothing else: not the spool, the config or mugaid's /proc",
          "[pdf][sandbox]") {
  namespace pr = sanitizers::pdf_rerender;
  const pr::RenderOptions o;
  // What the confined worker makes of open(path, O_RDONLY) and one read:
  // 0 it got the bytes, 2 it was refused.
  auto opens = [&](const std::string& path) {
    const int status = pr::runWorkerSelftest(o, "open:" + path);
    REQUIRE(WIFEXITED(status));
    return WEXITSTATUS(status);
  };
  const int plain = pr::runWorkerSelftest(o, "none");
  REQUIRE(WIFEXITED(plain));
  if (WEXITSTATUS(plain) == pr::kSandboxUnavailable) {
    // A kernel without Landlock: nothing is rendered at all (fail closed).
    CHECK(reasonCode(clean(activePdf(1, 200, 200, 0), "a.pdf", pdfConfig())) == "pdf.sandbox_unavailable");
    SKIP("no Landlock on this kernel: the worker refuses to render, as it should");
  }
  REQUIRE(WEXITSTATUS(plain) == 0);

  // Stand-ins for /var/spool/mugai and /etc/mugai/mugai.toml, readable by
  // this process: a refusal below is the sandbox's doing.
  const fs::path d = test::freshTempDir("pdf-sandbox-files");
  const fs::path spool = d / "spool/incoming", message = spool / "0123456789abcdef.eml", conf = d / "etc/mugai/mugai.toml";
  test::writeFile(message, "From: kacho@example.lg.jp\r\nSubject: confidential\r\n\r\nsecret\r\n");
  test::writeFile(conf, "[quarantine]\ndir = \"/var/lib/mugai/quarantine\"\n");
  REQUIRE(test::readFile(message).size() > 0);
  REQUIRE(test::readFile(conf).size() > 0);
  // The worker's parent is this process, as mugaid is in service.
  const std::string parent = "/proc/" + std::to_string(::getpid());
  for (const std::string& path : {message.string(), spool.string(), conf.string(), parent + "/environ",
                                  "/proc/self/../" + std::to_string(::getpid()) + "/environ", parent + "/fd/0",
                                  parent + "/cmdline", std::string("/proc/self/environ"), std::string("/etc/passwd")}) {
    INFO(path);
    CHECK(opens(path) == 2);
  }
  // Not dumpable: a sibling taken over cannot read its /proc/PID/mem or fd.
  const int dumpable = pr::runWorkerSelftest(o, "dumpable");
  CHECK((WIFEXITED(dumpable) && WEXITSTATUS(dumpable) == 0));

  // What poppler needs stays readable: a font file and fontconfig's configuration.
  std::string font;
  for (const auto& e : fs::recursive_directory_iterator("/usr/share/fonts"))
    if (e.is_regular_file() && (e.path().extension() == ".ttf" || e.path().extension() == ".otf")) {
      font = e.path().string();
      break;
    }
  REQUIRE_FALSE(font.empty());
  CHECK(opens(font) == 0);
  CHECK(opens("/etc/fonts/fonts.conf") == 0);
  // And a page whose font is not embedded is drawn with the system's font,
  // in both modes, like pdftoppm (unconfined) draws the original.
  test::writeFile(d / "in.pdf", systemFontPdf());
  for (const char* mode : {"raster", "vector"}) {
    INFO(mode);
    const FileOutcome out = clean(systemFontPdf(), "in.pdf", pdfConfig("mode = \"" + std::string(mode) + "\"\n"));
    REQUIRE(reasonCode(out) == "pdf.rerendered");
    test::writeFile(d / "out.pdf", out.output);
    if (std::string(mode) == "vector")
      CHECK_THAT(tool("pdftotext " + (d / "out.pdf").string() + " -"), ContainsSubstring("Landlock lets fonts through"));
    checkDrawnLike(d / "out.pdf", d / "in.pdf", d);
  }
  fs::remove_all(d);
}

TEST_CASE("pdf_rerender: without Landlock nothing is rendered; the PDF is removed and says why", "[pdf][sandbox]") {
  // The real worker, told to act as on a kernel without Landlock (a
  // wrapper adds the flag, as pdf_rerender would start it otherwise).
  const fs::path d = test::freshTempDir("pdf-no-landlock");
  const fs::path wrapper = d / "wrapper.sh";
  test::writeFile(wrapper, "#!/bin/sh\nexec " + sanitizers::pdf_rerender::workerPath({}) +
                               " \"$@\" --assume-no-landlock 1\n");
  fs::permissions(wrapper, fs::perms::owner_all);
  for (const char* mode : {"raster", "vector"}) {
    INFO(mode);
    const FileOutcome o = clean(activePdf(1, 200, 200, 0), "a.pdf",
                                pdfConfig("mode = \"" + std::string(mode) + "\"\nworker = \"" + wrapper.string() + "\"\n"));
    CHECK(o.removed);
    CHECK(reasonCode(o) == "pdf.sandbox_unavailable");
    CHECK_THAT(o.input.root->reason, ContainsSubstring("Landlock is not available"));
  }
  fs::remove_all(d);
}

TEST_CASE("pdf_rerender: active content is gone, pages stay as they were", "[pdf]") {
  const fs::path d = test::freshTempDir("pdf-active");
  for (int rotate : {0, 90, 270}) {
    INFO("rotate " << rotate);
    const std::string in = activePdf(3, 612, 792, rotate);
    test::writeFile(d / "in.pdf", in);
    REQUIRE(has(tool("pdfinfo " + (d / "in.pdf").string()), "JavaScript: +yes"));
    const FileOutcome o = clean(in, "in.pdf", pdfConfig("dpi = 72\n"));
    REQUIRE(reasonCode(o) == "pdf.rerendered");
    test::writeFile(d / "out.pdf", o.output);
    checkNoActiveContent(d / "out.pdf");
    const auto pages = pagesOf(d / "out.pdf", 3);
    REQUIRE(pages.size() == 3);
    for (const auto& p : pages) CHECK((p.w == 612 && p.h == 792 && p.rot == rotate));
    CHECK(has(tool("pdfinfo " + (d / "out.pdf").string()), "Producer: +mugai pdf_rerender"));
  }
  fs::remove_all(d);
}

TEST_CASE("pdf_rerender: a drawn page matches pdftoppm's drawing of the original", "[pdf][fidelity]") {
  const fs::path d = test::freshTempDir("pdf-fidelity");
  test::writeFile(d / "shapes.pdf", activePdf(1, 612, 792, 90));
  test::writeFile(d / "photo.pdf", photoPdf());
  for (const fs::path& src : {test::corpora() / "pdfjs/test/pdfs/tracemonkey.pdf", d / "shapes.pdf", d / "photo.pdf"}) {
    INFO(src);
    const FileOutcome o = clean(test::readFile(src), src.filename().string(), pdfConfig());
    REQUIRE(reasonCode(o) == "pdf.rerendered");
    test::writeFile(d / "ours.pdf", o.output);
    // Photographic pages become JPEG (from our own pixels); text and line
    // art stay lossless.
    const bool photo = src.filename() == "photo.pdf";
    const std::string images = tool("pdfimages -list " + (d / "ours.pdf").string());  // columns: ... bpc enc ...
    CHECK(has(images, photo ? " 8 +jpeg " : " 8 +image "));
    CHECK_FALSE(has(images, photo ? " 8 +image " : " 8 +jpeg "));
    checkDrawnLike(d / "ours.pdf", src, d);
  }
  fs::remove_all(d);
}

TEST_CASE("pdf_rerender: bombs are refused within budget", "[pdf][limits]") {
  SECTION("the /Count 9999999999 page bomb") {
    const FileOutcome o =
        clean(test::readFile(test::corpora() / "pdfjs/test/pdfs/poppler-67295-0.pdf"), "bomb.pdf", pdfConfig());
    CHECK(o.removed);
    // poppler finds no page behind the count: refused before anything is drawn.
    CHECK(reasonCode(o) == "pdf.unreadable");
  }
  SECTION("a page of 200000 x 200000 pt is refused by its size, before anything is drawn") {
    const FileOutcome o = clean(activePdf(1, 200000, 200000, 0), "huge.pdf", pdfConfig());
    CHECK(reasonCode(o) == "pdf.page_too_large");
  }
  SECTION("max_total_pixels counts the whole document, whichever renderer draws which page") {
    // 3 pages of 2.1 M pixels: each of the two renderers draws at most 4.2 M.
    CHECK(reasonCode(clean(activePdf(3, 612, 792, 0), "three.pdf", pdfConfig("max_total_pixels = 5000000\n"))) ==
          "pdf.page_too_large");
    CHECK(reasonCode(clean(activePdf(3, 612, 792, 0), "three.pdf", pdfConfig("max_total_pixels = 7000000\n"))) ==
          "pdf.rerendered");
  }
  SECTION("a renderer that needs more memory than memory_mb fails, and the PDF is removed") {
    // 5000 pt at 150 dpi: 108 M pixels, over 300 MB to draw; the limit is 128 MiB.
    const FileOutcome o = clean(activePdf(1, 5000, 5000, 0), "big.pdf",
                                pdfConfig("memory_mb = 128\nmax_page_pixels = 200000000\n"));
    CHECK(o.removed);
    CHECK(reasonCode(o).starts_with("pdf."));
    CHECK(reasonCode(o) != "pdf.page_too_large");
  }
  SECTION("more pages than max_pages") {
    CHECK(reasonCode(clean(activePdf(5, 100, 100, 0), "many.pdf", pdfConfig("max_pages = 4\n"))) == "pdf.too_many_pages");
  }
  SECTION("a renderer that hangs is killed at the deadline") {
    const FileOutcome o = clean(test::readFile(test::corpora() / "qpdf/qpdf/qtest/qpdf/shared-unnamed-field.pdf"),
                                "hang.pdf", pdfConfig("timeout_seconds = 3\n"));
    CHECK(reasonCode(o) == "pdf.timeout");
    // Killed and reaped, not left running: this process has no child left.
    errno = 0;
    CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
    CHECK(errno == ECHILD);
  }
}

TEST_CASE("pdf_rerender: the parent trusts nothing a renderer sends", "[pdf][limits]") {
  // A stand-in for a subverted renderer: it reads the PDF and answers with
  // frames of its choosing (worker_protocol.h layout).
  const fs::path d = test::freshTempDir("pdf-fake-worker");
  auto fake = [&](const std::string& pages) {
    const fs::path script = d / "fake-worker.py";
    test::writeFile(script, "#!/usr/bin/python3\nimport struct, sys, zlib\nsys.stdin.buffer.read()\n"
                            "out = sys.stdout.buffer\nout.write(b'MUGAIPDF' + struct.pack('<II', 2, 0))\n" + pages +
                            "out.write(struct.pack('<6I2dQ', 0xFFFFFFFF, 0, 0, 0, 0, 0, 0, 0, 0))\n");
    fs::permissions(script, fs::perms::owner_all);
    return pdfConfig("page_workers = 1\nworker = \"" + script.string() + "\"\n");
  };
  // page(index, width, height, data): one frame, data as Python bytes.
  auto page = [](int index, int w, int h, const std::string& data) {
    return "d = " + data + "\nout.write(struct.pack('<6I2dQ', " + std::to_string(index) + ", " + std::to_string(w) + ", " +
           std::to_string(h) + ", 1, 0, 0, 100.0, 100.0, len(d)) + d)\n";
  };
  const std::string pdf = activePdf(2, 100, 100, 0);
  const std::string good0 = page(0, 10, 10, "zlib.compress(bytes(100))"), good1 = page(1, 10, 10, "zlib.compress(bytes(100))");
  SECTION("well-formed frames are accepted (the stand-in works)") {
    CHECK(reasonCode(clean(pdf, "a.pdf", fake(good0 + good1))) == "pdf.rerendered");
  }
  SECTION("an image whose data does not inflate to its size") {
    CHECK(reasonCode(clean(pdf, "a.pdf", fake(good0 + page(1, 10, 10, "zlib.compress(bytes(99))")))) == "pdf.bad_worker_output");
  }
  SECTION("a page larger than the limits") {
    CHECK(reasonCode(clean(pdf, "a.pdf", fake(good0 + page(1, 50000, 10, "zlib.compress(bytes(500000))")))) ==
          "pdf.bad_worker_output");
  }
  // rawPage(index, w, h, components, bytes): a "photographic" frame, raw
  // pixels for the parent to make a JPEG of.
  auto rawPage = [](int index, int w, int h, int components, int bytes) {
    return "d = bytes(" + std::to_string(bytes) + ")\nout.write(struct.pack('<6I2dQ', " + std::to_string(index) + ", " +
           std::to_string(w) + ", " + std::to_string(h) + ", " + std::to_string(components) +
           ", 0, 1, 100.0, 100.0, len(d)) + d)\n";
  };
  SECTION("raw pixels of the exact size become a JPEG; any other raw frame is refused") {
    const FileOutcome ok = clean(pdf, "a.pdf", fake(good0 + rawPage(1, 10, 10, 3, 300)));
    REQUIRE(reasonCode(ok) == "pdf.rerendered");
    CHECK(ok.output.find("/DCTDecode") != std::string::npos);
    CHECK(reasonCode(clean(pdf, "a.pdf", fake(good0 + rawPage(1, 10, 10, 3, 299)))) == "pdf.bad_worker_output");
    CHECK(reasonCode(clean(pdf, "a.pdf", fake(good0 + rawPage(1, 10, 10, 1, 100)))) == "pdf.bad_worker_output");
    // With JPEG off, even a well-formed raw frame is refused.
    fake(good0 + rawPage(1, 10, 10, 3, 300));  // (re)writes the stand-in
    const fs::path script = d / "fake-worker.py";
    CHECK(reasonCode(clean(pdf, "a.pdf",
                           pdfConfig("page_workers = 1\njpeg_quality = 0\nworker = \"" + script.string() + "\"\n"))) ==
          "pdf.bad_worker_output");
  }
  SECTION("a page missing, or sent twice") {
    CHECK(reasonCode(clean(pdf, "a.pdf", fake(good0))) == "pdf.bad_worker_output");
    CHECK(reasonCode(clean(pdf, "a.pdf", fake(good0 + good0))) == "pdf.bad_worker_output");
  }
  fs::remove_all(d);
}

TEST_CASE("pdf_rerender: password-protected PDFs", "[pdf][encrypted]") {
  const fs::path d = test::freshTempDir("pdf-encrypted");
  test::writeFile(d / "plain.pdf", activePdf(1, 300, 300, 0));
  REQUIRE(runCommand("qpdf --encrypt secret-user owner-pw 256 -- " + (d / "plain.pdf").string() + " " + (d / "user.pdf").string()).code == 0);
  REQUIRE(runCommand("qpdf --encrypt '' owner-pw 256 -- " + (d / "plain.pdf").string() + " " + (d / "owner.pdf").string()).code == 0);
  CHECK(reasonCode(clean(test::readFile(d / "owner.pdf"), "o.pdf", pdfConfig())) == "pdf.rerendered");
  CHECK(reasonCode(clean(test::readFile(d / "user.pdf"), "u.pdf", pdfConfig(), {"secret-user"})) == "pdf.encrypted");
  const Config& tryThem = pdfConfig("encrypted = \"password\"\n");
  CHECK(reasonCode(clean(test::readFile(d / "user.pdf"), "u.pdf", tryThem, {"wrong"})) == "pdf.encrypted");
  CHECK(reasonCode(clean(test::readFile(d / "user.pdf"), "u.pdf", tryThem, {"wrong", "secret-user"})) == "pdf.rerendered");
  fs::remove_all(d);
}

TEST_CASE("pdf_rerender: a PDF in a mail is replaced under its own name, and the notice says so", "[pdf][mail]") {
  const std::string mail = test::mailWith({{"見積書.pdf", "application/pdf", activePdf(2, 595, 842, 0)}});
  const FileOutcome o = clean(mail, "m.eml", test::defaultConfig());
  REQUIRE(o.asMail);
  bool found = false;
  o.input.root->forEach([&](const Node& n) {
    if (n.reasonCode != "pdf.rerendered") return;
    found = true;
    REQUIRE(n.replacement);
    CHECK(n.replacement->filename == "見積書.pdf");
    CHECK(n.replacement->bytes.find("mugai pdf_rerender") != std::string::npos);
    CHECK(n.replacement->bytes.find("/JavaScript") == std::string::npos);
  });
  CHECK(found);
  CHECK_THAT(o.notice, ContainsSubstring("PDF を画像として再構成しました"));
  CHECK_THAT(o.notice, ContainsSubstring("re-drawn as page images"));
}

// Vector mode: cairo redraws text and paths, a separate sandboxed worker
// rebuilds the drawing with qpdf. The same outside judges apply.
TEST_CASE("pdf_rerender vector mode: active content is gone, pages, rotation and drawing stay", "[pdf][vector]") {
  const fs::path d = test::freshTempDir("pdf-vector");
  const Config& vector = pdfConfig("mode = \"vector\"\n");
  for (int rotate : {0, 90, 180, 270}) {
    INFO("rotate " << rotate);
    const std::string in = activePdf(3, 612, 792, rotate);
    const FileOutcome o = clean(in, "in.pdf", vector);
    REQUIRE(reasonCode(o) == "pdf.rerendered");
    CHECK_THAT(o.input.root->reason, ContainsSubstring("vector pages"));
    test::writeFile(d / "in.pdf", in);
    test::writeFile(d / "out.pdf", o.output);
    checkNoActiveContent(d / "out.pdf");
    const auto pages = pagesOf(d / "out.pdf", 3);
    REQUIRE(pages.size() == 3);
    for (const auto& p : pages) CHECK((p.w == 612 && p.h == 792 && p.rot == rotate));
    CHECK(has(tool("pdfinfo " + (d / "out.pdf").string()), "Producer: +mugai pdf_rerender \\(vector pages\\)"));
    // No page images: the rectangles are paths again.
    CHECK_THAT(tool("pdfimages -list " + (d / "out.pdf").string()), !ContainsSubstring(" image "));
    checkDrawnLike(d / "out.pdf", d / "in.pdf", d);
  }
  fs::remove_all(d);
}

TEST_CASE("pdf_rerender vector mode: text stays text", "[pdf][vector]") {
  const fs::path d = test::freshTempDir("pdf-vector-text");
  const fs::path src = test::corpora() / "pdfjs/test/pdfs/tracemonkey.pdf";
  const FileOutcome o = clean(test::readFile(src), "tracemonkey.pdf", pdfConfig("mode = \"vector\"\n"));
  REQUIRE(reasonCode(o) == "pdf.rerendered");
  test::writeFile(d / "out.pdf", o.output);
  checkNoActiveContent(d / "out.pdf");
  CHECK(pageCount(d / "out.pdf") == pageCount(src));
  const std::string text = tool("pdftotext -f 1 -l 1 " + (d / "out.pdf").string() + " -");
  CHECK_THAT(text, ContainsSubstring("Trace-based Just-in-Time Type Specialization"));
  CHECK_THAT(text, ContainsSubstring("Andreas Gal"));
  checkDrawnLike(d / "out.pdf", src, d);
  fs::remove_all(d);
}

TEST_CASE("pdf_rerender vector mode: the rebuild trusts nothing a renderer drew", "[pdf][vector][limits]") {
  // A stand-in for a subverted vector renderer: whatever PDF it is given
  // (in.pdf beside it) is sent as its drawing of every page.
  const fs::path d = test::freshTempDir("pdf-fake-vector");
  auto fake = [&](const std::string& drawing, int pages) {
    test::writeFile(d / "drawing.pdf", drawing);
    const fs::path script = d / "fake-vector.py";
    test::writeFile(script, "#!/usr/bin/python3\nimport struct, sys\nsys.stdin.buffer.read()\n"
                            "if '--rebuild' in sys.argv: sys.exit(1)\n"
                            "d = open('" + (d / "drawing.pdf").string() + "', 'rb').read()\n"
                            "out = sys.stdout.buffer\nout.write(b'MUGAIVEC' + struct.pack('<II', " +
                                std::to_string(pages) + ", 0) + struct.pack('<I', 0) * " + std::to_string(pages) +
                                " + struct.pack('<Q', len(d)) + d)\n");
    fs::permissions(script, fs::perms::owner_all);
    return script;
  };
  // The stand-in draws; the real worker rebuilds. Only the renderer can be
  // replaced by config, so the test starts the rebuild the way
  // vector_client does, through a wrapper that passes --rebuild on.
  const std::string worker = sanitizers::pdf_rerender::workerPath({});
  auto config = [&](const fs::path& script) {
    const fs::path wrapper = d / "wrapper.sh";
    test::writeFile(wrapper, "#!/bin/sh\ncase \"$*\" in *--rebuild*) exec " + worker + " \"$@\";; esac\nexec " +
                                 script.string() + " \"$@\"\n");
    fs::permissions(wrapper, fs::perms::owner_all);
    return pdfConfig("mode = \"vector\"\npage_workers = 1\nworker = \"" + wrapper.string() + "\"\n");
  };
  const std::string input = activePdf(2, 200, 200, 0);
  SECTION("what is outside the allow-list is left behind: the catalog's OpenAction, the pages' annotations and actions") {
    const FileOutcome o = clean(input, "a.pdf", config(fake(activePdf(2, 200, 200, 0), 2)));
    REQUIRE(reasonCode(o) == "pdf.rerendered");
    test::writeFile(d / "out.pdf", o.output);
    checkNoActiveContent(d / "out.pdf");
    CHECK(pageCount(d / "out.pdf") == 2);
  }
  // A drawing whose page draws a form XObject; `hidden` goes into that
  // form's own resources, where the allow-list of page keys cannot see it.
  auto withHidden = [](const std::string& hidden, const std::string& formDict = "") {
    const std::string draw = "/X1 Do";
    const std::string form = "q 0 0 1 rg 0 0 50 50 re f Q";
    return pdfFromObjects({"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                           "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << /XObject << /X1 5 0 R >> >> "
                           "/Contents 4 0 R >>",
                           "<< /Length " + std::to_string(draw.size()) + " >>\nstream\n" + draw + "\nendstream",
                           "<< /Type /XObject /Subtype /Form /BBox [0 0 200 200] /Resources << /ExtGState << /G1 << " +
                               hidden + " >> >> >> " + formDict + " /Length " + std::to_string(form.size()) +
                               " >>\nstream\n" + form + "\nendstream"});
  };
  const std::string one = activePdf(1, 200, 200, 0);
  SECTION("the stand-in's well-formed drawing is accepted") {
    CHECK(reasonCode(clean(one, "a.pdf", config(fake(withHidden("/CA 0.5"), 1)))) == "pdf.rerendered");
  }
  SECTION("JavaScript hidden in a form's resources") {
    CHECK(reasonCode(clean(one, "a.pdf", config(fake(withHidden("/AA << /O << /S /JavaScript /JS (x) >> >>"), 1)))) ==
          "pdf.vector_refused");
  }
  SECTION("a link hidden in a form's resources, its name spelt with #xx escapes") {
    CHECK(reasonCode(clean(one, "a.pdf", config(fake(withHidden("/#55#52#49 (http://evil.example/)"), 1)))) ==
          "pdf.vector_refused");
  }
  SECTION("a stream whose data is an external file") {
    CHECK(reasonCode(clean(one, "a.pdf", config(fake(withHidden("/CA 0.5", "/F (http://evil.example/x)"), 1)))) ==
          "pdf.vector_refused");
  }
  SECTION("a stream with a filter cairo never writes") {
    CHECK(reasonCode(clean(one, "a.pdf", config(fake(withHidden("/CA 0.5", "/Filter /LZWDecode"), 1)))) ==
          "pdf.vector_refused");
  }
  SECTION("a drawing with another number of pages, or not a PDF") {
    CHECK(reasonCode(clean(one, "a.pdf", config(fake(activePdf(2, 200, 200, 0), 1)))) == "pdf.vector_refused");
    CHECK(reasonCode(clean(one, "a.pdf", config(fake("%PDF-1.4\n1 0 obj << >> endobj\n", 1)))) == "pdf.vector_refused");
  }
  fs::remove_all(d);
}

TEST_CASE("pdf_rerender over pdfjs", "[pdf][corpus]") { sweep("pdfjs"); }
TEST_CASE("pdf_rerender over qpdf", "[pdf][corpus]") { sweep("qpdf"); }
TEST_CASE("pdf_rerender over pdf-association", "[pdf][corpus]") { sweep("pdf-association"); }
TEST_CASE("pdf_rerender over corkami-pocs", "[pdf][corpus]") { sweep("corkami-pocs"); }
TEST_CASE("pdf_rerender vector mode over pdfjs", "[pdf][corpus][vector]") { sweep("pdfjs", "vector"); }
TEST_CASE("pdf_rerender vector mode over qpdf", "[pdf][corpus][vector]") { sweep("qpdf", "vector"); }
TEST_CASE("pdf_rerender vector mode over pdf-association", "[pdf][corpus][vector]") { sweep("pdf-association", "vector"); }
TEST_CASE("pdf_rerender vector mode over corkami-pocs", "[pdf][corpus][vector]") { sweep("corkami-pocs", "vector"); }

TEST_CASE("[stage.pdf_rerender] config: the sample spells out the defaults; mistakes name the line", "[pdf][config]") {
  Config sample = loadConfigFile(std::string(MUGAI_SOURCE_DIR) + "/samples/mugai.toml");
  const auto o = sanitizers::pdf_rerender::parseOptions(test::stageOptions(sample, "pdf_rerender"), "s");
  const sanitizers::pdf_rerender::Options d;
  CHECK(o.render.dpi == d.render.dpi);
  CHECK(o.render.maxPages == d.render.maxPages);
  CHECK(o.render.maxPagePixels == d.render.maxPagePixels);
  CHECK(o.render.maxTotalPixels == d.render.maxTotalPixels);
  CHECK(o.render.timeoutSeconds == d.render.timeoutSeconds);
  CHECK(o.render.memoryBytes == d.render.memoryBytes);
  CHECK(o.render.flateLevel == d.render.flateLevel);
  CHECK(o.render.jpegQuality == d.render.jpegQuality);
  CHECK(o.render.pageWorkers == d.render.pageWorkers);
  CHECK(o.render.vector == d.render.vector);
  CHECK(o.render.workerPath == d.render.workerPath);
  CHECK(o.tryPasswords == d.tryPasswords);
  auto bad = [](const std::string& body) {
    return sanitizers::builtinRegistry().build(
        parseConfig("[pipeline]\nstages = [\"pdf_rerender\"]\n[stage.pdf_rerender]\n" + body, "p.toml"));
  };
  CHECK_THROWS_WITH(bad("dpi = 5000\n"), ContainsSubstring("p.toml:4") && ContainsSubstring("dpi"));
  CHECK_THROWS_WITH(bad("encrypted = \"ask\"\n"), ContainsSubstring("encrypted"));
  CHECK_THROWS_WITH(bad("mode = \"vectr\"\n"), ContainsSubstring("p.toml:4") && ContainsSubstring("mode"));
  CHECK_THROWS_WITH(bad("dpy = 100\n"), ContainsSubstring("dpy"));
  CHECK_THROWS_WITH(bad("jpeg_quality = 20\n"), ContainsSubstring("p.toml:4") && ContainsSubstring("jpeg_quality"));
}
