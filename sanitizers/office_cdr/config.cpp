// [stage.office_cdr]: hyperlinks, legacy, max_parts, max_part_bytes,
// max_ratio (README "office_cdr").
#include "core/config.h"
#include "sanitizers/office_cdr/office_cdr.h"

namespace mugai::sanitizers::office_cdr {

Options parseOptions(const toml::table& t, const std::string& source) {
  checkKeys(t, {"hyperlinks", "legacy", "max_parts", "max_part_bytes", "max_ratio"}, source, "stage.office_cdr");
  Options o;
  const std::string links = readChoice(t, "hyperlinks", "remove", {"keep", "defang", "remove"}, source);
  o.hyperlinks = links == "keep" ? LinkPolicy::Keep : links == "defang" ? LinkPolicy::Defang : LinkPolicy::Remove;
  o.legacy = readChoice(t, "legacy", "remove", {"remove"}, source) == "remove" ? LegacyPolicy::Remove : LegacyPolicy::Convert;
  o.maxParts = readInt(t, "max_parts", o.maxParts, 1, 1'000'000, source);
  o.maxPartBytes = readInt(t, "max_part_bytes", o.maxPartBytes, 1024, 1ll << 40, source);
  o.maxRatio = readInt(t, "max_ratio", o.maxRatio, 2, 1'000'000, source);
  return o;
}

void registerFactory(SanitizerRegistry& registry) {
  registry.add("office_cdr", [](const toml::table& t, const std::string& source) -> SanitizerPtr {
    return std::make_unique<OfficeCdr>(parseOptions(t, source));
  });
}

}  // namespace mugai::sanitizers::office_cdr
