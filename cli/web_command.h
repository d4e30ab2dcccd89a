// `mugai web user add|passwd|del|list`: the accounts of the quarantine
// console, kept in the quarantine store (so every node sees them).
#pragma once

#include <CLI/CLI.hpp>

namespace mugai::cli {

void addWebCommand(CLI::App& app, int& exitCode);

}  // namespace mugai::cli
