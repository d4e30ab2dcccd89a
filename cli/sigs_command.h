// `mugai sigs`: the signature database by hand.
//   compile PATH... -o DB   parse ClamAV-format files/directories (plus the
//                           built-in samples) into a database that mugaid
//                           and mugai map at start-up
//   info [PATH...]          what a source or database holds, and which kernel runs
//   test [-d PATH]... FILE  scan files like `clamscan --allmatch`: one
//                           "FILE: NAME FOUND" line per signature, or "FILE: OK"
// Without -d/PATH, the source is [stage.signature_scan] of the config (-c),
// which defaults to the built-in samples.
#pragma once

#include <CLI/CLI.hpp>

namespace mugai::cli {

void addSigsCommand(CLI::App& app, int& exitCode);

}  // namespace mugai::cli
