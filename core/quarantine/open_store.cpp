// openStore(): the backend [quarantine] names (quarantine_store.h).
#include <algorithm>

#include "core/config.h"
#include "core/quarantine/pg_store.h"
#include "core/quarantine/store.h"

namespace mugai::quarantine {

std::unique_ptr<QuarantineStore> openStore(const QuarantineConfig& config, int workers) {
  if (config.backend == "postgresql")
    return std::make_unique<PgStore>(config.dsn, config.poolSize > 0 ? config.poolSize : std::clamp(workers, 2, 16));
  return std::make_unique<Store>(config.dir);
}

std::optional<QuarantineConfig> storeFromSpec(const std::string& spec) {
  const auto colon = spec.find(':');
  if (colon == std::string::npos || colon + 1 == spec.size()) return std::nullopt;
  QuarantineConfig c;
  c.backend = spec.substr(0, colon);
  const std::string where = spec.substr(colon + 1);
  if (c.backend == "sqlite") c.dir = where;
  else if (c.backend == "postgresql") c.dsn = where;
  else return std::nullopt;
  return c;
}

}  // namespace mugai::quarantine
