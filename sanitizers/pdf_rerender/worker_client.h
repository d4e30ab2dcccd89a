// The parent side of PDF rendering: starts mugai-pdf-worker processes
// (fork + execve; the child only closes descriptors before exec), feeds
// them the PDF on stdin, reads page images from stdout under a wall-clock
// deadline, and kills them at the deadline. Every frame is checked against
// the limits given to the worker, and every page image is inflated once to
// prove it holds exactly width x height x components bytes, before the
// pages are handed to pdf_writer. Photographic pages come raw and are
// encoded as JPEG here, from the pixels, on every core.
//
// With `pageWorkers` = 2, two workers parse the same PDF and draw the even
// and the odd pages, so one document uses both cores.
//
// Vector mode (`vector`): the workers send cairo PDFs instead of page
// images. Those are never parsed here: a further sandboxed worker
// (--rebuild) rebuilds them into one PDF from an allow-list with qpdf, and
// only that PDF comes back (vector_client.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sanitizers/pdf_rerender/pdf_writer.h"

namespace mugai::sanitizers::pdf_rerender {

struct RenderOptions {
  double dpi = 150;
  std::uint32_t maxPages = 1000;
  std::uint64_t maxPagePixels = 64'000'000;    ///< one page, width x height at dpi
  std::uint64_t maxTotalPixels = 1'000'000'000;
  std::uint32_t timeoutSeconds = 120;          ///< wall clock, whole document
  std::uint64_t memoryBytes = 1ull << 30;      ///< RLIMIT_AS per worker
  int flateLevel = 6;            ///< libdeflate level; measured: 6 is as fast as 1 and 3-15 % smaller
  int jpegQuality = 85;          ///< photographic colour pages become JPEG at this quality; 0 = always Flate
  int pageWorkers = 2;
  bool vector = false;           ///< mode = "vector": cairo draws text and paths, qpdf rebuilds (README)
  std::string workerPath;                      ///< "" = core/helper_path.h (beside, PREFIX/lib/mugai, build tree)
};

struct RenderResult {
  bool ok = false;
  std::string code;    ///< finding code when !ok: "pdf.encrypted", "pdf.timeout", ...
  std::string detail;  ///< English
  std::vector<PageImage> pages;  ///< raster mode: the checked page images
  std::string pdf;               ///< vector mode: the rebuilt PDF
  std::uint32_t pageCount = 0;
};

RenderResult renderPdf(const RenderOptions& options, std::string_view pdf, const std::vector<std::string>& passwords);

/// The worker executable that renderPdf starts (for messages and tests).
std::string workerPath(const RenderOptions& options);

/// Runs the worker with `--selftest WHAT` (tests: prove the seccomp filter
/// and the Landlock ruleset; worker_main.cpp lists WHAT).
/// @return the raw wait status.
int runWorkerSelftest(const RenderOptions& options, const std::string& what);

}  // namespace mugai::sanitizers::pdf_rerender
