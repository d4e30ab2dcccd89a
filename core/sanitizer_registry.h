// Sanitizers by name: each sanitizer's config.cpp adds a factory that checks
// its [stage.<name>] options and builds an immutable instance.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/pipeline.h"

namespace mugai {

/// Builds a stage from its options; throws ConfigError on bad options.
using SanitizerFactory = std::function<SanitizerPtr(const toml::table& options, const std::string& source)>;

class SanitizerRegistry {
 public:
  void add(std::string name, SanitizerFactory factory) { factories_[std::move(name)] = std::move(factory); }
  bool has(const std::string& name) const { return factories_.count(name) > 0; }
  std::vector<std::string> names() const;

  /// The configured pipeline. Throws ConfigError for an unknown stage name
  /// or bad stage options.
  Pipeline build(const Config& config) const;

 private:
  std::map<std::string, SanitizerFactory> factories_;
};

}  // namespace mugai
