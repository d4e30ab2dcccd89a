// `mugai mail`: one message through the pipeline, by hand.
#pragma once

#include <CLI/CLI.hpp>

namespace mugai::cli {

/// Adds the "mail" subcommand; `exitCode` receives its result.
void addMailCommand(CLI::App& app, int& exitCode);

}  // namespace mugai::cli
