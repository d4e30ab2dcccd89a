// `mugai scan SRC... --out DIR`: batch ファイル無害化 of files and trees.
#pragma once

#include <CLI/CLI.hpp>

namespace mugai::cli {

/// Adds the "scan" subcommand; `exitCode` receives its result.
void addScanCommand(CLI::App& app, int& exitCode);

}  // namespace mugai::cli
