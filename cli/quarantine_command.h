// `mugai quarantine list|show|export|release|purge|audit|migrate`: the operator's view
// of the originals mugai kept.
#pragma once

#include <CLI/CLI.hpp>

namespace mugai::cli {

/// Adds the "quarantine" subcommand group; `exitCode` receives the result.
void addQuarantineCommand(CLI::App& app, int& exitCode);

}  // namespace mugai::cli
