// PostgreSQL for the tests: the private cluster CTest starts for the
// whole run (fixture "pg", test/tools/pg_cluster.sh; MUGAI_TEST_PG holds
// its connection string), or, when the test binary runs alone, one it
// starts for itself and stops at exit. Each test takes a fresh database.
#pragma once

#include <string>

namespace mugai::test {

/// The cluster's connection string, without a dbname.
std::string pgCluster();
/// A new, empty database in the cluster; its connection string.
std::string freshPgDatabase(const std::string& tag);
/// Drops a database freshPgDatabase() made.
void dropPgDatabase(const std::string& dsn);
/// `psql -XAt` on `dsn` running `sql`: its output, or throws when psql fails.
/// The referee for what the store wrote (not our code reading it back).
std::string psql(const std::string& dsn, const std::string& sql);
/// The directory of the cluster (for pg_cluster.sh restart).
std::string pgClusterDir();

}  // namespace mugai::test
