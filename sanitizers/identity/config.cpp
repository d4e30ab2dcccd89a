// [stage.identity] takes no options; any key is a typo and an error.
#include "core/config.h"
#include "sanitizers/identity/identity.h"

namespace mugai::sanitizers::identity {

void registerFactory(SanitizerRegistry& registry) {
  registry.add("identity", [](const toml::table& options, const std::string& source) -> SanitizerPtr {
    checkKeys(options, {}, source, "stage.identity");
    return std::make_unique<IdentitySanitizer>();
  });
}

}  // namespace mugai::sanitizers::identity
