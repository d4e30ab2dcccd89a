// [stage.pdf_rerender]: mode, dpi, max_pages, max_page_pixels, max_total_pixels,
// timeout_seconds, memory_mb, flate_level, jpeg_quality, page_workers, encrypted, worker
// (README "pdf_rerender").
#include "core/broker.h"
#include "core/config.h"
#include "sanitizers/pdf_rerender/pdf_rerender.h"

namespace mugai::sanitizers::pdf_rerender {

Options parseOptions(const toml::table& t, const std::string& source) {
  checkKeys(t,
            {"mode", "dpi", "max_pages", "max_page_pixels", "max_total_pixels", "timeout_seconds", "memory_mb", "flate_level",
             "jpeg_quality", "page_workers", "encrypted", "worker"},
            source, "stage.pdf_rerender");
  Options o;
  RenderOptions& r = o.render;
  r.vector = readChoice(t, "mode", r.vector ? "vector" : "raster", {"raster", "vector"}, source) == "vector";
  r.dpi = readInt(t, "dpi", static_cast<int>(r.dpi), 36, 600, source);
  r.maxPages = readInt(t, "max_pages", r.maxPages, 1, 100'000, source);
  r.maxPagePixels = readInt(t, "max_page_pixels", r.maxPagePixels, 10'000, 1'000'000'000, source);
  r.maxTotalPixels = readInt(t, "max_total_pixels", r.maxTotalPixels, 10'000, 100'000'000'000ll, source);
  r.timeoutSeconds = readInt(t, "timeout_seconds", r.timeoutSeconds, 1, 3600, source);
  r.memoryBytes = readInt(t, "memory_mb", r.memoryBytes >> 20, 128, 65536, source) << 20;
  r.flateLevel = readInt(t, "flate_level", r.flateLevel, 1, 9, source);
  r.jpegQuality = readInt(t, "jpeg_quality", r.jpegQuality, 0, 100, source);
  if (r.jpegQuality > 0 && r.jpegQuality < 50)
    configFail(source, t.get("jpeg_quality"), "jpeg_quality must be 0 (never JPEG) or 50-100");
  r.pageWorkers = readInt(t, "page_workers", r.pageWorkers, 1, 8, source);
  r.workerPath = readString(t, "worker", r.workerPath, source);
  o.tryPasswords =
      readChoice(t, "encrypted", o.tryPasswords ? "password" : "remove", {"remove", "password"}, source) == "password";
  return o;
}

void registerFactory(SanitizerRegistry& registry) {
  registry.add("pdf_rerender", [](const toml::table& t, const std::string& source) -> SanitizerPtr {
    Options o = parseOptions(t, source);
    broker::allowProgram("pdf", workerPath(o.render));  // the one renderer a job worker's broker starts (core/broker.h)
    return std::make_unique<PdfRerender>(std::move(o));
  });
}

}  // namespace mugai::sanitizers::pdf_rerender
