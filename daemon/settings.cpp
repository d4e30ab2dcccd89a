// See settings.h.
#include "daemon/settings.h"


namespace mugai::daemon {

SettingsPtr loadSettings(const std::string& path, std::uint64_t generation) {
  auto s = std::make_shared<Settings>();
  s->config = path.empty() ? Config() : loadConfigFile(path);
  s->daemon = readDaemonConfig(s->config);
  s->generation = generation;
  return s;
}

}  // namespace mugai::daemon
