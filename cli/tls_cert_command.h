// `mugai tls-cert`: a self-signed certificate and key for trying STARTTLS.
#pragma once

#include <CLI/CLI.hpp>

namespace mugai::cli {

void addTlsCertCommand(CLI::App& app, int& exitCode);

}  // namespace mugai::cli
