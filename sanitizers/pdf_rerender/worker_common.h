// What the parts of mugai-pdf-worker share: its arguments, the geometry of
// every page (measured once, before anything is drawn), and the two ways it
// ends. Only worker_*.cpp include this; the parent speaks
// worker_protocol.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace poppler {
class document;
}

namespace mugai::sanitizers::pdf_rerender {

struct WorkerArgs {
  double dpi = 150;
  int flateLevel = 6;
  int stride = 1;  ///< this worker draws pages offset, offset + stride, ...
  int offset = 0;
  bool photo = false;  ///< raster: send photographic colour pages raw, for JPEG
};

/// One page, as the limits saw it.
struct PageGeometry {
  double wPt = 0, hPt = 0;  ///< crop box, unrotated, in points
  double wPx = 0, hPx = 0;  ///< at the requested dpi
  std::uint32_t rotate = 0; ///< the page's /Rotate: 0, 90, 180, 270
};

/// Writes one line of detail to stderr and exits with `code` (WorkerExit).
[[noreturn]] void fail(int code, const std::string& detail);

/// Writes all of `data` to stdout. @return false when the parent is gone.
[[nodiscard]] bool writeAll(const void* data, std::size_t n);

/// Raster mode: streams page images (worker_raster.cpp). Exits on failure.
void drawRaster(poppler::document& doc, const std::vector<PageGeometry>& pages, const WorkerArgs& args);

/// Vector mode: draws the pages into one cairo PDF and sends it
/// (worker_vector.cpp). `password` is the one that opened `pdf`.
void drawVector(std::string_view pdf, const std::string& password, const std::vector<PageGeometry>& pages,
                const WorkerArgs& args);

/// --rebuild: rebuilds vector renderers' PDFs from an allow-list with qpdf
/// (worker_rebuild.cpp). `input` is the VectorRebuild framing.
void rebuildVector(std::string_view input);

}  // namespace mugai::sanitizers::pdf_rerender
