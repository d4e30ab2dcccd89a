// See sanitizer_registry.h.
#include "core/sanitizer_registry.h"

namespace mugai {

std::vector<std::string> SanitizerRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, f] : factories_) out.push_back(name);
  return out;
}

Pipeline SanitizerRegistry::build(const Config& config) const {
  std::vector<SanitizerPtr> stages;
  for (const auto& stage : config.stages) {
    auto it = factories_.find(stage.name);
    if (it == factories_.end()) {
      std::string known;
      for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
      throw ConfigError(config.source + ": unknown sanitizer \"" + stage.name + "\" in [pipeline] stages (known: " +
                        known + ")");
    }
    static const toml::table kNoOptions;
    stages.push_back(it->second(stage.options ? *stage.options : kNoOptions, config.source));
  }
  return Pipeline(std::move(stages));
}

}  // namespace mugai
