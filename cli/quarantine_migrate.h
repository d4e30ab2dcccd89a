// `mugai quarantine migrate --from sqlite:DIR --to postgresql:DSN`: moves a
// store to another backend (one node's store into the shared one), item by
// item, each original read back from the destination and checked against
// its SHA-256.
#pragma once

#include <string>

namespace mugai::cli {

struct MigrateOptions {
  std::string from;  ///< "sqlite:DIR" or "postgresql:DSN"
  std::string to;
};

/// Runs the migration; returns the exit code (0 done, 3 bad usage, 5 a store
/// could not be read or written, or an original did not verify).
int runMigrate(const MigrateOptions& o);

}  // namespace mugai::cli
