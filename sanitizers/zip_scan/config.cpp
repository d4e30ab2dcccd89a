// [stage.zip_scan]: max_archive_depth, max_entries, max_entry_bytes,
// max_ratio, encrypted (README "zip_scan").
#include "core/config.h"
#include "sanitizers/zip_scan/zip_scan.h"

namespace mugai::sanitizers::zip_scan {
Options parseOptions(const toml::table& t, const std::string& source) {
  checkKeys(t, {"max_archive_depth", "max_entries", "max_entry_bytes", "max_ratio", "encrypted"}, source, "stage.zip_scan");
  Options o;
  o.maxArchiveDepth = readInt(t, "max_archive_depth", o.maxArchiveDepth, 1, 20, source);
  o.maxEntries = readInt(t, "max_entries", o.maxEntries, 1, 1'000'000, source);
  o.maxEntryBytes = readInt(t, "max_entry_bytes", o.maxEntryBytes, 1024, 1ll << 40, source);
  o.maxRatio = readInt(t, "max_ratio", o.maxRatio, 2, 1'000'000, source);
  o.tryPasswords =
      readChoice(t, "encrypted", o.tryPasswords ? "password" : "remove", {"remove", "password"}, source) == "password";
  return o;
}

void registerFactory(SanitizerRegistry& registry) {
  registry.add("zip_scan", [](const toml::table& t, const std::string& source) -> SanitizerPtr {
    return std::make_unique<ZipScan>(parseOptions(t, source));
  });
}

}  // namespace mugai::sanitizers::zip_scan
