// The pipe protocol between pdf_rerender (the parent) and
// mugai-pdf-worker (the sandboxed child that parses and renders the PDF).
//
// The worker never writes a PDF: it sends page images, and the parent,
// which trusts nothing the worker sends, checks every header against the
// limits it set and builds the output itself (pdf_writer.h). So a worker
// subverted by a hostile PDF can at most send wrong pictures, never
// active PDF content.
//
// stdout of the worker: kMagic, then a DocHeader, then for each page it
// renders a PageHeader followed by `dataBytes` of zlib (Flate) data, or of
// raw pixels for a photographic page (the parent encodes those as JPEG
// from the pixels: still only pictures), then a PageHeader with index ==
// kEndOfPages. Little-endian, packed as below.
// stderr: one line of English detail when the exit code is not kOk.
//
// Vector mode (--vector 1) is the exception to "never writes a PDF": the
// worker sends kVectorMagic, a DocHeader, one u32 /Rotate per page of the
// document, a u64 byte count and that many bytes of a PDF drawn by cairo
// holding this worker's pages in order. The parent never parses it: a
// second worker started with --rebuild (worker_rebuild.cpp) reads the
// drawings with qpdf and builds a new PDF from an allow-list of objects.
// Its stdin: u32 pages, u32 documents n, pages x u32 /Rotate, then per
// document a u64 byte count and the bytes (document k holds pages k,
// k + n, ...); its stdout: the PDF.
#pragma once

#include <cstdint>

namespace mugai::sanitizers::pdf_rerender {

inline constexpr char kMagic[8] = {'M', 'U', 'G', 'A', 'I', 'P', 'D', 'F'};
inline constexpr char kVectorMagic[8] = {'M', 'U', 'G', 'A', 'I', 'V', 'E', 'C'};
inline constexpr std::uint32_t kEndOfPages = 0xFFFFFFFFu;

struct DocHeader {
  std::uint32_t pages;  ///< pages in the document
  std::uint32_t reserved;
};

struct PageHeader {
  std::uint32_t index;       ///< 0-based page number, or kEndOfPages
  std::uint32_t width;       ///< pixels
  std::uint32_t height;      ///< pixels
  std::uint32_t components;  ///< 1 (DeviceGray) or 3 (DeviceRGB), 8 bits each
  std::uint32_t rotate;      ///< the page's /Rotate: 0, 90, 180, 270
  std::uint32_t encoding;    ///< kFlate, or kRaw (photographic: the parent encodes it as JPEG)
  double widthPt;            ///< the page's crop box, unrotated, in points
  double heightPt;
  std::uint64_t dataBytes;   ///< the rows that follow: Flate-compressed, or raw (exactly width x height x components)
};

enum PageEncoding : std::uint32_t {
  kFlate = 0,
  kRaw = 1,
};

/// Worker exit codes (anything else, or a signal, is a crash).
enum WorkerExit : int {
  kOk = 0,
  kUsage = 64,
  kUnreadable = 65,   ///< not a PDF poppler can open
  kEncrypted = 66,    ///< needs a user password none of the given ones opens
  kTooManyPages = 67,
  kPageTooLarge = 68,
  kRenderFailed = 69,
  kOutputFailed = 70,
  kRebuildRefused = 71,  ///< --rebuild: a drawing holds what a drawing must not
  kSandboxUnavailable = 72,  ///< no Landlock on this kernel: the worker does not render (sandbox.h)
};

}  // namespace mugai::sanitizers::pdf_rerender
