// [stage.zip_scan]: max_archive_depth, max_entries, max_entry_bytes,
// max_ratio, encrypted (README "zip_scan").
#include "core/config.h"
#include "sanitizers/zip_scan/zip_scan.h"

namespace mugai::sanitizers::zip_scan {
namespace {

std::int64_t readRange(const toml::table& t, std::string_view key, std::int64_t current, std::int64_t min,
                       std::int64_t max, const std::string& source) {
  const toml::node* n = t.get(key);
  if (!n) return current;
  auto v = n->value<std::int64_t>();
  if (!n->is_integer() || !v || *v < min || *v > max)
    configFail(source, n, std::string(key) + " must be an integer between " + std::to_string(min) + " and " + std::to_string(max));
  return *v;
}

}  // namespace

Options parseOptions(const toml::table& t, const std::string& source) {
  checkKeys(t, {"max_archive_depth", "max_entries", "max_entry_bytes", "max_ratio", "encrypted"}, source, "stage.zip_scan");
  Options o;
  o.maxArchiveDepth = static_cast<int>(readRange(t, "max_archive_depth", o.maxArchiveDepth, 1, 20, source));
  o.maxEntries = static_cast<std::size_t>(readRange(t, "max_entries", static_cast<std::int64_t>(o.maxEntries), 1, 1'000'000, source));
  o.maxEntryBytes = static_cast<std::uint64_t>(
      readRange(t, "max_entry_bytes", static_cast<std::int64_t>(o.maxEntryBytes), 1024, 1ll << 40, source));
  o.maxRatio = static_cast<std::uint64_t>(readRange(t, "max_ratio", static_cast<std::int64_t>(o.maxRatio), 2, 1'000'000, source));
  if (const toml::node* n = t.get("encrypted")) {
    auto v = n->value<std::string_view>();
    if (!v || (*v != "remove" && *v != "password"))
      configFail(source, n, "encrypted must be \"remove\" or \"password\"");
    o.tryPasswords = *v == "password";
  }
  return o;
}

void registerFactory(SanitizerRegistry& registry) {
  registry.add("zip_scan", [](const toml::table& t, const std::string& source) -> SanitizerPtr {
    return std::make_unique<ZipScan>(parseOptions(t, source));
  });
}

}  // namespace mugai::sanitizers::zip_scan
