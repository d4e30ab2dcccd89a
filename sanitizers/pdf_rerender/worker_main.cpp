// mugai-pdf-worker: parses one PDF and renders its pages, confined.
// Started by pdf_rerender (worker_client.cpp), never by hand. It sets its
// resource limits and seccomp filter (sandbox.h) before reading the PDF,
// then streams page images to stdout (worker_protocol.h).
//
// stdin:  u32 password count, then (u32 length, bytes) per password, then
//         the PDF until end of file. Passwords never appear in argv.
// args:   --dpi N --max-pages N --max-page-pixels N --max-total-pixels N
//         --flate-level N --stride K --offset J --memory-mb N --cpu-seconds N
//         --photo 0|1 (1: send photographic colour pages raw, for JPEG)
//         [--selftest execve|fork|socket|open-write|fds|none] (tests prove the
//         filter, and that nothing but the three pipes is inherited)
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>
#include <dirent.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>
#include <fcntl.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sanitizers/pdf_rerender/sandbox.h"
#include "sanitizers/pdf_rerender/worker_protocol.h"

using namespace mugai::sanitizers::pdf_rerender;

namespace {

[[noreturn]] void fail(int code, const std::string& detail) {
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

std::string readAll() {
  std::string in;
  char buf[1 << 16];
  for (ssize_t n; (n = ::read(0, buf, sizeof buf)) > 0;) in.append(buf, static_cast<std::size_t>(n));
  return in;
}

// A page is photographic when Flate at level 1 keeps more than half of a
// sample of its rows (four bands of 16 rows): scans, photos and dense
// graphics. Text and line art compress to a few per cent.
bool photographic(const unsigned char* rgb, std::size_t w, std::size_t h) {
  const std::size_t band = std::min<std::size_t>(16, h), row = w * 3;
  std::vector<unsigned char> sample;
  for (int k = 0; k < 4; ++k) {
    const std::size_t y = (h - band) * static_cast<std::size_t>(k) / 3;
    sample.insert(sample.end(), rgb + y * row, rgb + (y + band) * row);
  }
  uLongf zlen = compressBound(static_cast<uLong>(sample.size()));
  std::vector<unsigned char> out(zlen);
  if (compress2(out.data(), &zlen, sample.data(), static_cast<uLong>(sample.size()), 1) != Z_OK) return false;
  return zlen * 2 > sample.size();
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
    // Only stdin, stdout and stderr may be open (plus the directory we list).
    DIR* d = ::opendir("/proc/self/fd");
    if (!d) return 1;
    int n = 0;
    while (const dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
    return n == 4 ? 0 : 1;
  } else if (what == "none") {
    return 0;
  }
  return 1;  // the call returned: the filter did not stop it
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> opt;
  for (int i = 1; i + 1 < argc; i += 2) opt[argv[i]] = argv[i + 1];
  auto num = [&](const char* key, double dflt) { return opt.count(key) ? std::atof(opt[key].c_str()) : dflt; };
  const double dpi = num("--dpi", 150);
  const auto maxPages = static_cast<std::uint64_t>(num("--max-pages", 1000));
  const auto maxPagePixels = static_cast<std::uint64_t>(num("--max-page-pixels", 64e6));
  const auto maxTotalPixels = static_cast<std::uint64_t>(num("--max-total-pixels", 1e9));
  const int level = static_cast<int>(num("--flate-level", 1));
  const auto stride = static_cast<int>(num("--stride", 1));
  const auto offset = static_cast<int>(num("--offset", 0));
  const bool photo = num("--photo", 0) != 0;
  if (dpi < 10 || dpi > 1200 || stride < 1 || offset < 0 || offset >= stride) fail(kUsage, "bad arguments");

  SandboxLimits limits;
  limits.memoryBytes = static_cast<std::uint64_t>(num("--memory-mb", 1024)) << 20;
  limits.cpuSeconds = static_cast<std::uint32_t>(num("--cpu-seconds", 120));
  if (const std::string e = enterSandbox(limits); !e.empty()) fail(kUsage, "sandbox: " + e);
  if (opt.count("--selftest")) return selftest(opt["--selftest"]);

  // Poppler's complaints about a broken file are not our output.
  poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr);
  const std::string in = readAll();
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
  bool locked = false;
  for (const auto& pw : passwords) {
    doc.reset(poppler::document::load_from_raw_data(pdf.data(), static_cast<int>(pdf.size()), pw, pw));
    if (!doc) break;  // not a PDF (a wrong password still returns a document, locked)
    locked = doc->is_locked();
    if (!locked) break;
  }
  if (!doc) fail(kUnreadable, "poppler cannot open this file as a PDF");
  if (locked) fail(kEncrypted, "the PDF needs a user password");
  const int pages = doc->pages();
  if (pages <= 0) fail(kUnreadable, "the PDF has no pages");
  if (static_cast<std::uint64_t>(pages) > maxPages)
    fail(kTooManyPages, std::to_string(pages) + " pages, more than max_pages " + std::to_string(maxPages));

  if (!writeAll(kMagic, sizeof kMagic)) fail(kOutputFailed, "write failed");
  const DocHeader dh{static_cast<std::uint32_t>(pages), 0};
  if (!writeAll(&dh, sizeof dh)) fail(kOutputFailed, "write failed");

  poppler::page_renderer renderer;
  renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
  renderer.set_image_format(poppler::image::format_rgb24);
  // Every page's size is checked before any is drawn, by every worker, so
  // the per-page and whole-document limits hold however the pages are
  // shared out: poppler returns a 1x1 image for a page it cannot allocate,
  // and a huge one would exhaust memory.
  struct Size {
    double wPt, hPt, wPx, hPx;
  };
  std::vector<Size> sizes;
  std::uint64_t totalPixels = 0;
  for (int i = 0; i < pages; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) fail(kRenderFailed, "page " + std::to_string(i + 1) + " cannot be read");
    const poppler::rectf box = page->page_rect(poppler::crop_box);
    const double wPt = std::fabs(box.width()), hPt = std::fabs(box.height());
    const double wPx = std::ceil(wPt * dpi / 72.0), hPx = std::ceil(hPt * dpi / 72.0);
    if (!(wPx >= 1 && hPx >= 1))
      fail(kRenderFailed, "page " + std::to_string(i + 1) + " has no drawable size");
    if (wPx > 40000 || hPx > 40000 || wPx * hPx > static_cast<double>(maxPagePixels))
      fail(kPageTooLarge, "page " + std::to_string(i + 1) + " is " + std::to_string(wPt) + " x " + std::to_string(hPt) +
                              " pt, too large to draw at " + std::to_string(dpi) + " dpi");
    totalPixels += static_cast<std::uint64_t>(wPx * hPx);
    if (totalPixels > maxTotalPixels) fail(kPageTooLarge, "the pages together exceed max_total_pixels");
    sizes.push_back({wPt, hPt, wPx, hPx});
  }

  std::vector<unsigned char> raw, packed;
  libdeflate_compressor* compressor = libdeflate_alloc_compressor(level);
  if (!compressor) fail(kOutputFailed, "no compressor");
  for (int i = offset; i < pages; i += stride) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) fail(kRenderFailed, "page " + std::to_string(i + 1) + " cannot be read");
    const auto [wPt, hPt, wPx, hPx] = sizes[static_cast<std::size_t>(i)];
    std::uint32_t rotate = 0;
    poppler::rotation_enum undo = poppler::rotate_0;
    switch (page->orientation()) {
      case poppler::page::landscape: rotate = 90, undo = poppler::rotate_270; break;
      case poppler::page::upside_down: rotate = 180, undo = poppler::rotate_180; break;
      case poppler::page::seascape: rotate = 270, undo = poppler::rotate_90; break;
      default: break;
    }
    // Drawn unrotated; the output page carries the same /Rotate.
    const poppler::image img = renderer.render_page(page.get(), dpi, dpi, -1, -1, -1, -1, undo);
    if (!img.is_valid() || img.format() != poppler::image::format_rgb24 || img.width() < 1 || img.height() < 1 ||
        std::abs(img.width() - wPx) > 2 || std::abs(img.height() - hPx) > 2)
      fail(kRenderFailed, "page " + std::to_string(i + 1) + " did not render");
    const auto w = static_cast<std::size_t>(img.width()), h = static_cast<std::size_t>(img.height());
    // format_rgb24 is R, G, B bytes per pixel with each row padded to a
    // multiple of 4 bytes (bytes_per_row): repack tightly, and as one byte
    // per pixel if every pixel is grey.
    const char* data = img.const_data();
    const std::size_t rowBytes = static_cast<std::size_t>(img.bytes_per_row());
    if (rowBytes < w * 3) fail(kRenderFailed, "page " + std::to_string(i + 1) + ": unexpected image layout");
    bool grey = true;
    raw.resize(w * h * 3);
    for (std::size_t y = 0; y < h; ++y) {
      const auto* row = reinterpret_cast<const unsigned char*>(data + y * rowBytes);
      unsigned char* out = raw.data() + y * w * 3;
      std::memcpy(out, row, w * 3);
      for (std::size_t x = 0; x < w && grey; ++x) grey = row[3 * x] == row[3 * x + 1] && row[3 * x + 1] == row[3 * x + 2];
    }
    std::size_t components = 3;
    if (grey) {
      for (std::size_t k = 0; k < w * h; ++k) raw[k] = raw[3 * k];
      components = 1;
    }
    const std::size_t rawBytes = w * h * components;
    if (photo && components == 3 && photographic(raw.data(), w, h)) {
      // Flate cannot shrink it much and costs more than the drawing: the
      // parent makes it a JPEG.
      const PageHeader ph{static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(h),
                          3, rotate, kRaw, wPt, hPt, rawBytes};
      if (!writeAll(&ph, sizeof ph) || !writeAll(raw.data(), rawBytes)) fail(kOutputFailed, "write failed");
      continue;
    }
    // libdeflate: the same zlib format as zlib's compress2, 2-3x faster.
    packed.resize(libdeflate_zlib_compress_bound(compressor, rawBytes));
    const std::size_t zlen = libdeflate_zlib_compress(compressor, raw.data(), rawBytes, packed.data(), packed.size());
    if (zlen == 0) fail(kOutputFailed, "compression failed");
    const PageHeader ph{static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(h),
                        static_cast<std::uint32_t>(components), rotate, kFlate, wPt, hPt, zlen};
    if (!writeAll(&ph, sizeof ph) || !writeAll(packed.data(), zlen)) fail(kOutputFailed, "write failed");
  }
  PageHeader end{};
  end.index = kEndOfPages;
  if (!writeAll(&end, sizeof end)) fail(kOutputFailed, "write failed");
  return kOk;
}
