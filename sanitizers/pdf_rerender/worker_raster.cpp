// Raster mode of mugai-pdf-worker: draws each of its pages with poppler-cpp
// and streams it as a page image (worker_protocol.h): Flate-compressed
// rows, or raw pixels for a photographic colour page (the parent makes a
// JPEG of those). Runs inside the sandbox; trusts nothing in the PDF.
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>
#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "sanitizers/pdf_rerender/worker_common.h"
#include "sanitizers/pdf_rerender/worker_protocol.h"

namespace mugai::sanitizers::pdf_rerender {
namespace {

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

poppler::rotation_enum undoRotation(std::uint32_t rotate) {
  switch (rotate) {
    case 90: return poppler::rotate_270;
    case 180: return poppler::rotate_180;
    case 270: return poppler::rotate_90;
    default: return poppler::rotate_0;
  }
}

struct CompressorFree {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};

}  // namespace

void drawRaster(poppler::document& doc, const std::vector<PageGeometry>& pages, const WorkerArgs& args) {
  const DocHeader dh{static_cast<std::uint32_t>(pages.size()), 0};
  if (!writeAll(kMagic, sizeof kMagic) || !writeAll(&dh, sizeof dh)) fail(kOutputFailed, "write failed");
  poppler::page_renderer renderer;
  renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
  renderer.set_image_format(poppler::image::format_rgb24);
  std::vector<unsigned char> raw, packed;
  const std::unique_ptr<libdeflate_compressor, CompressorFree> compressor(libdeflate_alloc_compressor(args.flateLevel));
  if (!compressor) fail(kOutputFailed, "no compressor");
  const int count = static_cast<int>(pages.size());
  for (int i = args.offset; i < count; i += args.stride) {
    std::unique_ptr<poppler::page> page(doc.create_page(i));
    if (!page) fail(kRenderFailed, "page " + std::to_string(i + 1) + " cannot be read");
    const PageGeometry& g = pages[static_cast<std::size_t>(i)];
    // Drawn unrotated; the output page carries the same /Rotate.
    const poppler::image img =
        renderer.render_page(page.get(), args.dpi, args.dpi, -1, -1, -1, -1, undoRotation(g.rotate));
    if (!img.is_valid() || img.format() != poppler::image::format_rgb24 || img.width() < 1 || img.height() < 1 ||
        std::abs(img.width() - g.wPx) > 2 || std::abs(img.height() - g.hPx) > 2)
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
    if (args.photo && components == 3 && photographic(raw.data(), w, h)) {
      // Flate cannot shrink it much and costs more than the drawing: the
      // parent makes it a JPEG.
      const PageHeader ph{static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(h),
                          3, g.rotate, kRaw, g.wPt, g.hPt, rawBytes};
      if (!writeAll(&ph, sizeof ph) || !writeAll(raw.data(), rawBytes)) fail(kOutputFailed, "write failed");
      continue;
    }
    // libdeflate: the same zlib format as zlib's compress2, 2-3x faster.
    packed.resize(libdeflate_zlib_compress_bound(compressor.get(), rawBytes));
    const std::size_t zlen = libdeflate_zlib_compress(compressor.get(), raw.data(), rawBytes, packed.data(), packed.size());
    if (zlen == 0) fail(kOutputFailed, "compression failed");
    const PageHeader ph{static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(h),
                        static_cast<std::uint32_t>(components), g.rotate, kFlate, g.wPt, g.hPt, zlen};
    if (!writeAll(&ph, sizeof ph) || !writeAll(packed.data(), zlen)) fail(kOutputFailed, "write failed");
  }
  PageHeader end{};
  end.index = kEndOfPages;
  if (!writeAll(&end, sizeof end)) fail(kOutputFailed, "write failed");
}

}  // namespace mugai::sanitizers::pdf_rerender
