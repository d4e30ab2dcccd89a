// What every mugai subcommand shares: the config and quarantine options,
// reading and writing files the way a user expects ('-' for stdin/stdout,
// atomic durable writes), and who is running the command (for the audit).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/job/pool.h"
#include "core/quarantine/quarantine_store.h"

namespace mugai::cli {

/// A job pool for this command's config (core/job/pool.h): the input is
/// parsed in a confined mugai-job-worker, never in this process. Checks
/// that a worker starts (ConfigError for bad stage options).
std::unique_ptr<job::Pool> startPool(const Config& config);

struct CommonOptions {
  std::string config;         ///< -c/--config
  std::string quarantineDir;  ///< --quarantine DIR overrides [quarantine] dir
  bool noQuarantine = false;  ///< --no-quarantine
  std::vector<std::string> passwords;  ///< --password (repeatable), for protected archives
};

/// Adds -c/--config and --quarantine (and --no-quarantine when `canDisable`).
void addCommonOptions(CLI::App* cmd, CommonOptions& o, bool canDisable);
/// Adds --password (for commands that clean input).
void addPasswordOption(CLI::App* cmd, CommonOptions& o);

/// The config file (or built-in defaults) with the command-line overrides.
/// Throws ConfigError.
Config loadConfig(const CommonOptions& o);

/// The configured store, or null when quarantine is disabled. Throws
/// quarantine::StoreError when it cannot be opened.
std::unique_ptr<quarantine::QuarantineStore> openStore(const Config& config);
/// The configured store for commands that work on it (`quarantine`,
/// `web user`). Throws quarantine::StoreError when quarantine is disabled
/// or the store cannot be opened.
std::unique_ptr<quarantine::QuarantineStore> requireStore(const Config& config);

/// Reads a whole file ('-' = stdin), at most `maxBytes`. Returns "" or the error.
std::string readInput(const std::string& path, std::string& out, std::uint64_t maxBytes);
/// Writes a whole file durably ('-' = stdout): temporary file in the
/// target's directory, fsync, rename. Returns "" or the error; a target that
/// exists and is not a regular file (FIFO, device, directory, symlink) is
/// refused without being opened.
std::string writeOutput(const std::string& path, std::string_view bytes);

/// Keeps the original of a changed input in the configured store before
/// anything naming its quarantine id is written. Prints the reason and
/// returns false when it cannot (the caller then writes nothing).
bool keepOriginal(const Config& config, quarantine::Item item, std::string_view original);

/// The summary line saying where the original went ("" when unchanged).
std::string originalLine(const Config& config, const std::string& id, bool changed);

/// Writes a JSON report ('-' = stdout); prints the error and returns false on failure.
bool writeReport(const std::string& path, const nlohmann::json& report);

/// "name (uid N)" of the user running this command, for the audit trail
/// (SUDO_USER is named too when sudo made us root).
std::string currentUser();
/// Where the user is, for the audit log: "ssh:ADDRESS" from SSH_CLIENT, else "local".
std::string auditClient();

}  // namespace mugai::cli
