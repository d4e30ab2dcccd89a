// See worker_client.h.
#include "sanitizers/pdf_rerender/worker_client.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libdeflate.h>
// libjpeg needs FILE and size_t declared first.
#include <cstdio>
#include <jpeglib.h>

#include <algorithm>
#include <atomic>
#include <csetjmp>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>

#include "core/c_handles.h"
#include "core/helper_path.h"
#include "core/parallel.h"
#include "sanitizers/pdf_rerender/worker_process.h"
#include "sanitizers/pdf_rerender/worker_protocol.h"

namespace mugai::sanitizers::pdf_rerender {
namespace {

/// Parses one worker's stdout into `pages` (by index). "" or the problem.
std::string parseFrames(const std::string& s, const RenderOptions& o, std::uint32_t& docPages,
                        std::vector<PageImage>& pages, std::vector<bool>& seen, std::vector<bool>& raw) {
  std::size_t at = 0;
  auto take = [&](void* dst, std::size_t n) {
    if (s.size() - at < n) return false;
    std::memcpy(dst, s.data() + at, n);
    at += n;
    return true;
  };
  char magic[sizeof kMagic];
  DocHeader dh{};
  if (!take(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof kMagic) != 0 || !take(&dh, sizeof dh))
    return "no document header";
  if (dh.pages == 0 || dh.pages > o.maxPages || (docPages && dh.pages != docPages)) return "bad page count";
  docPages = dh.pages;
  pages.resize(docPages);
  seen.resize(docPages, false);
  raw.resize(docPages, false);
  const double expectW = 40000;
  while (true) {
    PageHeader ph{};
    if (!take(&ph, sizeof ph)) return "truncated page stream";
    if (ph.index == kEndOfPages) return at == s.size() ? "" : "data after the end";
    if (ph.index >= docPages || seen[ph.index]) return "bad page index";
    if (ph.width == 0 || ph.height == 0 || ph.width > expectW || ph.height > expectW ||
        std::uint64_t{ph.width} * ph.height > o.maxPagePixels || (ph.components != 1 && ph.components != 3) ||
        (ph.rotate != 0 && ph.rotate != 90 && ph.rotate != 180 && ph.rotate != 270) || !(ph.widthPt > 0) ||
        !(ph.heightPt > 0) || ph.widthPt > 14400 * 200 || ph.heightPt > 14400 * 200 || ph.dataBytes > s.size() - at ||
        (ph.encoding != kFlate && ph.encoding != kRaw) || (ph.encoding == kRaw && (o.jpegQuality <= 0 || ph.components != 3)))
      return "bad page header";
    PageImage& p = pages[ph.index];
    p.width = ph.width, p.height = ph.height, p.components = ph.components, p.rotate = ph.rotate;
    p.widthPt = ph.widthPt, p.heightPt = ph.heightPt;
    p.data.assign(s.data() + at, ph.dataBytes);
    at += ph.dataBytes;
    const std::uint64_t expect = std::uint64_t{p.width} * p.height * p.components;
    if (ph.encoding == kRaw) {
      if (p.data.size() != expect) return "page image does not match its header";
      raw[ph.index] = true;
    } else {
      // Inflate once (libdeflate: zlib format, checksum checked): the
      // stream must hold exactly the declared pixels, no more, no less.
      static thread_local std::string pixels;
      pixels.resize(expect);
      static thread_local DeflateDecompressorPtr inflater(libdeflate_alloc_decompressor());
      std::size_t got = 0;
      if (!inflater || libdeflate_zlib_decompress(inflater.get(), p.data.data(), p.data.size(), pixels.data(), expect,
                                                  &got) != LIBDEFLATE_SUCCESS ||
          got != expect)
        return "page image does not match its header";
    }
    seen[ph.index] = true;
  }
}

// One JPEG from tightly packed RGB rows (ours: checked to be exactly
// width x height x 3 bytes). libjpeg reports errors by longjmp.
struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
};

bool encodeJpeg(PageImage& page, int quality) {
  jpeg_compress_struct c{};
  JpegError err{};
  c.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = [](j_common_ptr cinfo) { std::longjmp(reinterpret_cast<JpegError*>(cinfo->err)->jump, 1); };
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&c);
    std::free(buffer);
    return false;
  }
  jpeg_create_compress(&c);
  jpeg_mem_dest(&c, &buffer, &size);
  c.image_width = page.width;
  c.image_height = page.height;
  c.input_components = 3;
  c.in_color_space = JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  jpeg_start_compress(&c, TRUE);
  const std::size_t row = std::size_t{page.width} * 3;
  while (c.next_scanline < c.image_height) {
    JSAMPROW line = reinterpret_cast<JSAMPROW>(page.data.data() + c.next_scanline * row);
    jpeg_write_scanlines(&c, &line, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  page.data.assign(reinterpret_cast<const char*>(buffer), size);
  page.jpeg = true;
  std::free(buffer);
  return true;
}

// Encodes `pages` (raw RGB) as JPEG, on every core.
bool encodeJpegs(const std::vector<PageImage*>& pages, int quality) {
  std::atomic<bool> ok = true;
  parallelFor(pages.size(), [&](std::size_t i) {
    if (!encodeJpeg(*pages[i], quality)) ok = false;
  });
  return ok;
}

}  // namespace

std::string workerPath(const RenderOptions& o) {
  if (!o.workerPath.empty()) return o.workerPath;
#ifdef MUGAI_PDF_WORKER_BUILD_PATH
  return helperProgram("mugai-pdf-worker", MUGAI_PDF_WORKER_BUILD_PATH);
#else
  return helperProgram("mugai-pdf-worker", "");
#endif
}

RenderResult renderPdf(const RenderOptions& o, std::string_view pdf, const std::vector<std::string>& passwords) {
  std::string input;
  const auto count = static_cast<std::uint32_t>(std::min<std::size_t>(passwords.size(), 64));
  input.append(reinterpret_cast<const char*>(&count), 4);
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto len = static_cast<std::uint32_t>(passwords[i].size());
    input.append(reinterpret_cast<const char*>(&len), 4);
    input += passwords[i];
  }
  input += pdf;
  if (o.vector) return renderVector(o, input);
  const std::string path = workerPath(o);
  const int n = std::max(1, std::min(o.pageWorkers, 8));
  std::vector<Worker> ws(static_cast<std::size_t>(n));
  std::vector<std::vector<std::string>> args;
  for (int i = 0; i < n; ++i) {
    ws[i].input = input;
    args.push_back(workerArgs(o, n, i));
  }
  const std::uint64_t cap = o.maxTotalPixels * 3 + (64u << 20);
  const RunStatus run = runWorkers(ws, path, args, std::chrono::seconds(o.timeoutSeconds), cap);
  if (run == RunStatus::NotStarted) return failure("pdf.worker_missing", "the PDF renderer could not be started");
  const bool inTime = run == RunStatus::Done;
  if (!inTime)
    return failure("pdf.timeout", "rendering took longer than " + std::to_string(o.timeoutSeconds) + " s (or produced too much)");
  for (const auto& w : ws)
    if (!WIFEXITED(w.status) || WEXITSTATUS(w.status) != kOk) return fromExit(w);
  RenderResult r;
  std::uint32_t docPages = 0;
  std::vector<bool> seen, raw;
  for (const auto& w : ws)
    if (std::string e = parseFrames(w.stdoutBytes, o, docPages, r.pages, seen, raw); !e.empty())
      return failure("pdf.bad_worker_output", "the renderer's output was refused: " + e);
  if (std::find(seen.begin(), seen.end(), false) != seen.end())
    return failure("pdf.bad_worker_output", "the renderer's output was refused: a page is missing");
  std::uint64_t pixels = 0;
  for (const auto& p : r.pages) pixels += std::uint64_t{p.width} * p.height;
  if (pixels > o.maxTotalPixels)
    return failure("pdf.bad_worker_output", "the renderer's output was refused: more pixels than max_total_pixels");
  std::vector<PageImage*> photos;
  for (std::size_t i = 0; i < r.pages.size(); ++i)
    if (raw[i]) photos.push_back(&r.pages[i]);
  if (!encodeJpegs(photos, o.jpegQuality)) return failure("pdf.render_failed", "a page could not be encoded as JPEG");
  r.ok = true;
  return r;
}

int runWorkerSelftest(const RenderOptions& o, const std::string& what) {
  std::vector<Worker> ws(1);
  std::vector<std::string> args = workerArgs(o, 1, 0);
  args.push_back("--selftest");
  args.push_back(what);
  if (runWorkers(ws, workerPath(o), {args}, std::chrono::seconds(10), 1 << 20) == RunStatus::NotStarted) return -1;
  return ws[0].status;
}

}  // namespace mugai::sanitizers::pdf_rerender
