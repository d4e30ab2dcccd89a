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

}  // namespace mugai::quarantine
