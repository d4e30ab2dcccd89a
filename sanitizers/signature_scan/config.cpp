// [stage.signature_scan]: signatures, builtin, strict, on_match (README
// "signature_scan"). The database is loaded here, once per source and
// process (core/match/loader.h): a bad path fails the config check, and
// malformed lines are printed as warnings (or fail it with strict = true).
#include <iostream>

#include "core/config.h"
#include "sanitizers/signature_scan/signature_scan.h"

namespace mugai::sanitizers::signature_scan {

Options parseOptions(const toml::table& t, const std::string& source) {
  checkKeys(t, {"signatures", "builtin", "strict", "on_match"}, source, "stage.signature_scan");
  Options o;
  o.source.paths = readStrings(t, "signatures", {}, source);
  o.source.builtin = readBool(t, "builtin", o.source.builtin, source);
  o.source.strict = readBool(t, "strict", o.source.strict, source);
  o.reject = readChoice(t, "on_match", o.reject ? "reject" : "remove", {"remove", "reject"}, source) == "reject";
  return o;
}

void registerFactory(SanitizerRegistry& registry) {
  registry.add("signature_scan", [](const toml::table& t, const std::string& source) -> SanitizerPtr {
    Options o = parseOptions(t, source);
    std::vector<match::SignatureError> warnings;
    std::string error;
    match::DatabasePtr db = match::loadShared(o.source, warnings, error);
    if (!db) throw ConfigError(source + ": [stage.signature_scan] signatures: " + error);
    constexpr std::size_t kShown = 20;
    for (std::size_t i = 0; i < warnings.size() && i < kShown; ++i)
      std::cerr << "mugai: signature skipped (ウイルス定義を読み飛ばしました): " << warnings[i].where << ": "
                << warnings[i].message << "\n";
    if (warnings.size() > kShown)
      std::cerr << "mugai: ... and " << warnings.size() - kShown << " more skipped signature lines\n";
    return std::make_unique<SignatureScan>(std::move(o), std::move(db));
  });
}

}  // namespace mugai::sanitizers::signature_scan
