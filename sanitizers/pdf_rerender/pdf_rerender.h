// pdf_rerender: every PDF is drawn page by page and replaced by a new PDF
// that holds only the drawings (raster mode: one image per page), so no
// JavaScript, action, form, annotation, link or embedded file survives.
// Page count, page sizes and rotation stay as they were; the file name too.
// Vector mode (an option) redraws text and paths with cairo instead and has
// the drawing rebuilt from an allow-list by qpdf in a further sandboxed
// worker; font programs and JPEG/JPX/JBIG2 data pass through (README).
//
// The PDF is parsed by poppler in mugai-pdf-worker processes confined by
// resource limits, Landlock (fonts readable, nothing else) and a seccomp
// filter (sandbox.h; no Landlock: no rendering), under a wall-clock
// deadline (worker_client.h). Whatever goes wrong (the worker dies, is
// killed, runs out of time, hits a limit, or the PDF needs a password we do
// not have) removes the PDF with a named finding; the original is kept in
// quarantine as for every removal.
//
// Password-protected PDFs: an owner password alone (printing/copying
// restrictions) is no obstacle; a user password is tried from the operator's
// --password and the message's text when `encrypted = "password"`,
// otherwise the PDF is removed.
#pragma once

#include <string>

#include "core/pipeline.h"
#include "core/sanitizer_registry.h"
#include "sanitizers/pdf_rerender/worker_client.h"

namespace mugai::sanitizers::pdf_rerender {

struct Options {
  RenderOptions render;
  bool tryPasswords = false;  ///< encrypted = "password"
};

class PdfRerender final : public Sanitizer {
 public:
  explicit PdfRerender(Options o) : options_(std::move(o)) {}
  std::string_view name() const override { return "pdf_rerender"; }
  bool accepts(const Node& node) const override;
  Decision run(const Node& node, ScanContext& ctx) override;

 private:
  Options options_;
};

Options parseOptions(const toml::table& t, const std::string& source);
void registerFactory(SanitizerRegistry& registry);

}  // namespace mugai::sanitizers::pdf_rerender
