// Writes the re-rendered PDF: one image XObject per page (8-bit DeviceGray
// or DeviceRGB; Flate, or DCT for photographic pages), drawn over the whole page, with the original
// page's size and /Rotate. Nothing else: no fonts, no annotations, no
// actions, no metadata but a fixed producer string. The input is the
// worker's page images, already checked by worker_client.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mugai::sanitizers::pdf_rerender {

/// The Info /Producer of every output (documented in the README).
inline constexpr const char* kProducer = "mugai pdf_rerender (page images)";
/// The same for vector mode (worker_rebuild.cpp).
inline constexpr const char* kProducerVector = "mugai pdf_rerender (vector pages)";

struct PageImage {
  std::uint32_t width = 0, height = 0;  ///< pixels
  std::uint32_t components = 3;         ///< 1 grey, 3 RGB
  std::uint32_t rotate = 0;             ///< 0, 90, 180, 270
  double widthPt = 0, heightPt = 0;     ///< page size (the original crop box)
  std::string data;                     ///< zlib-compressed rows, or a JPEG (`jpeg`)
  bool jpeg = false;                    ///< DCTDecode (made by worker_client from raw pixels)
};

std::string writePdf(const std::vector<PageImage>& pages);

}  // namespace mugai::sanitizers::pdf_rerender
