// Vector mode of mugai-pdf-worker: poppler-glib draws each of this
// worker's pages onto a cairo PDF surface (poppler_page_render_for_printing),
// so text stays text and can be selected. Each page is drawn unrotated on a
// surface of its crop box's size; the page's /Rotate travels beside the
// drawing and is set again by the rebuild (worker_rebuild.cpp), as in
// raster mode.
//
// What cairo writes is only drawing operators, fonts and images, but a
// renderer subverted by a hostile PDF could write anything: the parent
// never opens this output, it hands it to a separate --rebuild worker.
// Embedded font programs (cairo subsets them) and JPEG / JPEG 2000 / JBIG2
// image data (passed through as they are) do travel in this mode; that is
// why raster mode is the default.
#include <cairo-pdf.h>
#include <cairo.h>
#include <poppler.h>

#include <cmath>
#include <memory>

#include "sanitizers/pdf_rerender/worker_common.h"
#include "sanitizers/pdf_rerender/worker_protocol.h"

namespace mugai::sanitizers::pdf_rerender {
namespace {

struct GObjectUnref {
  void operator()(void* p) const { g_object_unref(p); }
};
struct SurfaceDestroy {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct CairoDestroy {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
struct BytesUnref {
  void operator()(GBytes* b) const { g_bytes_unref(b); }
};

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

/// Maps poppler's drawing of the page as displayed (rotated by /Rotate,
/// clockwise) back onto the unrotated page of w x h points.
void undoRotation(cairo_t* cr, std::uint32_t rotate, double w, double h) {
  switch (rotate) {
    case 90: cairo_translate(cr, 0, h), cairo_rotate(cr, -M_PI / 2); break;
    case 180: cairo_translate(cr, w, h), cairo_rotate(cr, M_PI); break;
    case 270: cairo_translate(cr, w, 0), cairo_rotate(cr, M_PI / 2); break;
    default: break;
  }
}

}  // namespace

void drawVector(std::string_view pdf, const std::string& password, const std::vector<PageGeometry>& pages,
                const WorkerArgs& args) {
  const std::unique_ptr<GBytes, BytesUnref> bytes(g_bytes_new_static(pdf.data(), pdf.size()));
  GError* error = nullptr;
  const std::unique_ptr<PopplerDocument, GObjectUnref> doc(
      poppler_document_new_from_bytes(bytes.get(), password.c_str(), &error));
  if (!doc) {
    const std::string why = error ? error->message : "unknown error";
    if (error) g_error_free(error);
    fail(kUnreadable, "poppler-glib cannot open the PDF: " + why);
  }
  if (poppler_document_get_n_pages(doc.get()) != static_cast<int>(pages.size()))
    fail(kRenderFailed, "poppler-glib counts a different number of pages");

  const DocHeader dh{static_cast<std::uint32_t>(pages.size()), 0};
  if (!writeAll(kVectorMagic, sizeof kVectorMagic) || !writeAll(&dh, sizeof dh)) fail(kOutputFailed, "write failed");
  for (const PageGeometry& g : pages)
    if (!writeAll(&g.rotate, sizeof g.rotate)) fail(kOutputFailed, "write failed");
  const int count = static_cast<int>(pages.size());
  std::string out;
  if (args.offset >= count) {  // a one-page PDF for two renderers: nothing to draw here
    const std::uint64_t none = 0;
    if (!writeAll(&none, sizeof none)) fail(kOutputFailed, "write failed");
    return;
  }
  const PageGeometry& first = pages[static_cast<std::size_t>(args.offset)];
  const std::unique_ptr<cairo_surface_t, SurfaceDestroy> surface(
      cairo_pdf_surface_create_for_stream(append, &out, first.wPt, first.hPt));
  const std::unique_ptr<cairo_t, CairoDestroy> cr(cairo_create(surface.get()));
  for (int i = args.offset; i < count; i += args.stride) {
    const PageGeometry& g = pages[static_cast<std::size_t>(i)];
    const std::unique_ptr<PopplerPage, GObjectUnref> page(poppler_document_get_page(doc.get(), i));
    if (!page) fail(kRenderFailed, "page " + std::to_string(i + 1) + " cannot be read");
    cairo_pdf_surface_set_size(surface.get(), g.wPt, g.hPt);
    cairo_save(cr.get());
    undoRotation(cr.get(), g.rotate, g.wPt, g.hPt);
    poppler_page_render_for_printing(page.get(), cr.get());
    cairo_restore(cr.get());
    cairo_show_page(cr.get());
    if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS)
      fail(kRenderFailed, "page " + std::to_string(i + 1) + ": " + cairo_status_to_string(cairo_status(cr.get())));
  }
  cairo_surface_finish(surface.get());
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    fail(kRenderFailed, std::string("cairo: ") + cairo_status_to_string(cairo_surface_status(surface.get())));
  const std::uint64_t size = out.size();
  if (!writeAll(&size, sizeof size) || !writeAll(out.data(), out.size())) fail(kOutputFailed, "write failed");
}

}  // namespace mugai::sanitizers::pdf_rerender
