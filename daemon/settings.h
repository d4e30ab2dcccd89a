// What mugaid runs with: the config and its [daemon] section, as one
// immutable snapshot. SIGHUP loads a new snapshot; sessions and workers
// pick it up for their next session or message, and a config that fails
// to load leaves the running one in place. The listen address, the spool,
// the quarantine directory, TLS files and the number of workers are read
// at start only (a restart applies them).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/config.h"
#include "daemon/daemon_config.h"

namespace mugai::daemon {

struct Settings {
  Config config;
  DaemonConfig daemon;
  std::uint64_t generation = 0;
};
using SettingsPtr = std::shared_ptr<const Settings>;

/// Loads and checks the TOML and [daemon]. Throws ConfigError. `path` "" =
/// the built-in defaults. Stage options are checked by a job worker,
/// which builds the pipelines (job::Pool::check(), main.cpp).
SettingsPtr loadSettings(const std::string& path, std::uint64_t generation);

class SettingsHolder {
 public:
  explicit SettingsHolder(SettingsPtr s) : current_(std::move(s)) {}
  SettingsPtr get() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void set(SettingsPtr s) {
    std::lock_guard lock(mutex_);
    current_ = std::move(s);
  }

 private:
  mutable std::mutex mutex_;
  SettingsPtr current_;
};

}  // namespace mugai::daemon
