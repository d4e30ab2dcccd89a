// `mugai config show`: the effective configuration, value by value, with
// the file and line (or the built-in default) each value came from.
#pragma once

#include <CLI/CLI.hpp>

namespace mugai::cli {

void addConfigCommand(CLI::App& app, int& exitCode);

}  // namespace mugai::cli
