// `mugai watch IN --out OUT`: the drop-folder service (inotify).
#pragma once

#include <CLI/CLI.hpp>

namespace mugai::cli {

/// Adds the "watch" subcommand; `exitCode` receives its result.
void addWatchCommand(CLI::App& app, int& exitCode);

}  // namespace mugai::cli
