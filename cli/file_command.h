// `mugai file`: one file through the pipeline, by hand.
#pragma once

#include <CLI/CLI.hpp>

namespace mugai::cli {

/// Adds the "file" subcommand; `exitCode` receives its result.
void addFileCommand(CLI::App& app, int& exitCode);

}  // namespace mugai::cli
