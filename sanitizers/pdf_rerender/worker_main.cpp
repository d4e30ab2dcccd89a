// mugai-pdf-worker: parses one PDF and draws its pages, confined.
// Started by pdf_rerender (worker_client.cpp), never by hand. It confines
// itself (sandbox.h: not dumpable, resource limits, Landlock, seccomp)
// before reading the PDF, and without Landlock it does not render at all,
// measures every page against the limits, then draws its share of them
// (worker_raster.cpp, or worker_vector.cpp with --vector 1) to stdout
// (worker_protocol.h). With --rebuild 1 it does not read a PDF from a
// client at all but rebuilds vector drawings (worker_rebuild.cpp).
//
// stdin:  u32 password count, then (u32 length, bytes) per password, then
//         the PDF until end of file. Passwords never appear in argv.
// args:   --dpi N --max-pages N --max-page-pixels N --max-total-pixels N
//         --flate-level N --stride K --offset J --memory-mb N --cpu-seconds N
//         --photo 0|1 (1: send photographic colour pages raw, for JPEG)
//         --vector 0|1 --rebuild 0|1
//         [--assume-no-landlock 1] (tests: refuse as on a kernel without Landlock)
//         [--selftest execve|fork|socket|open-write|fds|dumpable|none|open:PATH]
//         (tests prove the filter, that nothing but the three pipes is
//         inherited, and which files the confined worker can open)
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sanitizers/pdf_rerender/sandbox.h"
#include "sanitizers/pdf_rerender/worker_common.h"
#include "sanitizers/pdf_rerender/worker_protocol.h"

namespace mugai::sanitizers::pdf_rerender {

void fail(int code, const std::string& detail) {
  std::fprintf(stderr, "%s\n", detail.c_str());
  std::fflush(stderr);
  std::_Exit(code);
}

bool writeAll(const void* data, std::size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(1, p, n);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace mugai::sanitizers::pdf_rerender

using namespace mugai::sanitizers::pdf_rerender;

namespace {

std::string readAll() {
  std::string in;
  char buf[1 << 16];
  for (ssize_t n; (n = ::read(0, buf, sizeof buf)) > 0;) in.append(buf, static_cast<std::size_t>(n));
  return in;
}

int selftest(const std::string& what) {
  if (what == "execve") {
    char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
    ::execve("/bin/true", argv, nullptr);
  } else if (what == "fork") {
    ::fork();
  } else if (what == "socket") {
    ::socket(AF_INET, SOCK_STREAM, 0);
  } else if (what == "open-write") {
    return ::open("/tmp/mugai-pdf-worker-selftest", O_WRONLY | O_CREAT, 0600) >= 0 ? 1 : 0;
  } else if (what == "fds") {
    // Only stdin, stdout and stderr may be open. (/proc/self/fd cannot be
    // listed: Landlock denies /proc; RLIMIT_NOFILE does not close higher
    // descriptors, hence the wide range.)
    for (int fd = 3; fd < 65536; ++fd)
      if (::fcntl(fd, F_GETFD) >= 0) return 1;
    return 0;
  } else if (what == "dumpable") {
    return ::prctl(PR_GET_DUMPABLE) == 0 ? 0 : 1;
  } else if (what.starts_with("open:")) {
    // 0: the file (or directory) could be opened for reading; 2: it could not.
    const int fd = ::open(what.c_str() + 5, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 2;
    char byte;
    const bool read = ::read(fd, &byte, 1) >= 0 || errno == EISDIR;
    ::close(fd);
    return read ? 0 : 2;
  } else if (what == "none") {
    return 0;
  }
  return 1;  // the call returned: the filter did not stop it
}

std::uint32_t rotationOf(const poppler::page& page) {
  switch (page.orientation()) {
    case poppler::page::landscape: return 90;
    case poppler::page::upside_down: return 180;
    case poppler::page::seascape: return 270;
    default: return 0;
  }
}

struct Limits {
  double dpi;
  std::uint64_t maxPages, maxPagePixels, maxTotalPixels;
};

// Every page's size is checked before any is drawn, by every worker, so
// the per-page and whole-document limits hold however the pages are
// shared out: poppler returns a 1x1 image for a page it cannot allocate,
// cairo fails on huge surfaces, and a huge page would exhaust memory.
std::vector<PageGeometry> measure(poppler::document& doc, const Limits& l) {
  const int pages = doc.pages();
  if (pages <= 0) fail(kUnreadable, "the PDF has no pages");
  if (static_cast<std::uint64_t>(pages) > l.maxPages)
    fail(kTooManyPages, std::to_string(pages) + " pages, more than max_pages " + std::to_string(l.maxPages));
  std::vector<PageGeometry> out;
  std::uint64_t totalPixels = 0;
  for (int i = 0; i < pages; ++i) {
    std::unique_ptr<poppler::page> page(doc.create_page(i));
    if (!page) fail(kRenderFailed, "page " + std::to_string(i + 1) + " cannot be read");
    const poppler::rectf box = page->page_rect(poppler::crop_box);
    PageGeometry g;
    g.wPt = std::fabs(box.width()), g.hPt = std::fabs(box.height());
    g.wPx = std::ceil(g.wPt * l.dpi / 72.0), g.hPx = std::ceil(g.hPt * l.dpi / 72.0);
    g.rotate = rotationOf(*page);
    if (!(g.wPx >= 1 && g.hPx >= 1)) fail(kRenderFailed, "page " + std::to_string(i + 1) + " has no drawable size");
    if (g.wPx > 40000 || g.hPx > 40000 || g.wPx * g.hPx > static_cast<double>(l.maxPagePixels))
      fail(kPageTooLarge, "page " + std::to_string(i + 1) + " is " + std::to_string(g.wPt) + " x " +
                              std::to_string(g.hPt) + " pt, too large to draw at " + std::to_string(l.dpi) + " dpi");
    totalPixels += static_cast<std::uint64_t>(g.wPx * g.hPx);
    if (totalPixels > l.maxTotalPixels) fail(kPageTooLarge, "the pages together exceed max_total_pixels");
    out.push_back(g);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> opt;
  for (int i = 1; i + 1 < argc; i += 2) opt[argv[i]] = argv[i + 1];
  auto num = [&](const char* key, double dflt) { return opt.count(key) ? std::atof(opt[key].c_str()) : dflt; };
  WorkerArgs args;
  args.dpi = num("--dpi", 150);
  args.flateLevel = static_cast<int>(num("--flate-level", 6));
  args.stride = static_cast<int>(num("--stride", 1));
  args.offset = static_cast<int>(num("--offset", 0));
  args.photo = num("--photo", 0) != 0;
  const Limits limits{args.dpi, static_cast<std::uint64_t>(num("--max-pages", 1000)),
                      static_cast<std::uint64_t>(num("--max-page-pixels", 64e6)),
                      static_cast<std::uint64_t>(num("--max-total-pixels", 1e9))};
  if (args.dpi < 10 || args.dpi > 1200 || args.stride < 1 || args.offset < 0 || args.offset >= args.stride)
    fail(kUsage, "bad arguments");

  SandboxLimits sandbox;
  sandbox.memoryBytes = static_cast<std::uint64_t>(num("--memory-mb", 1024)) << 20;
  sandbox.cpuSeconds = static_cast<std::uint32_t>(num("--cpu-seconds", 120));
  sandbox.readFonts = num("--rebuild", 0) == 0;  // qpdf reads its stdin only
  sandbox.assumeNoLandlock = num("--assume-no-landlock", 0) != 0;
  if (const SandboxStatus s = enterSandbox(sandbox); s.code != SandboxStatus::Code::Ok)
    fail(s.code == SandboxStatus::Code::NoLandlock ? kSandboxUnavailable : kUsage, "sandbox: " + s.detail);
  if (opt.count("--selftest")) return selftest(opt["--selftest"]);

  const std::string in = readAll();
  if (num("--rebuild", 0) != 0) {
    rebuildVector(in);
    return kOk;
  }
  // Poppler's complaints about a broken file are not our output.
  poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr);
  std::size_t at = 0;
  auto u32 = [&](std::uint32_t& v) {
    if (in.size() - at < 4) return false;
    std::memcpy(&v, in.data() + at, 4);
    at += 4;
    return true;
  };
  std::uint32_t count = 0;
  if (!u32(count) || count > 64) fail(kUsage, "bad input framing");
  std::vector<std::string> passwords{""};
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint32_t len = 0;
    if (!u32(len) || len > in.size() - at) fail(kUsage, "bad input framing");
    passwords.push_back(in.substr(at, len));
    at += len;
  }
  const std::string_view pdf(in.data() + at, in.size() - at);
  if (pdf.size() > 0x7FFFFFFF) fail(kUnreadable, "PDF larger than 2 GiB");

  std::unique_ptr<poppler::document> doc;
  std::string password;
  bool locked = false;
  for (const auto& pw : passwords) {
    doc.reset(poppler::document::load_from_raw_data(pdf.data(), static_cast<int>(pdf.size()), pw, pw));
    if (!doc) break;  // not a PDF (a wrong password still returns a document, locked)
    locked = doc->is_locked();
    password = pw;
    if (!locked) break;
  }
  if (!doc) fail(kUnreadable, "poppler cannot open this file as a PDF");
  if (locked) fail(kEncrypted, "the PDF needs a user password");
  const std::vector<PageGeometry> pages = measure(*doc, limits);
  if (num("--vector", 0) != 0) {
    doc.reset();  // cairo draws from poppler-glib's own copy
    drawVector(pdf, password, pages, args);
  } else {
    drawRaster(*doc, pages, args);
  }
  return kOk;
}
