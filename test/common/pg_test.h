// PostgreSQL for the tests: the private cluster CTest starts for the
// whole run (fixture "pg", test/tools/pg_cluster.sh; MUGAI_TEST_PG holds
// its connection string), or, when the test binary runs alone, one it
// starts for itself and stops at exit. Each test takes a fresh database;
// a test that stops or restarts the server has a PgCluster of its own.
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

/// A private cluster for one test that stops or restarts its database
/// (test/tools/pg_cluster.sh; a Unix socket in /tmp/mugai-pg-TAG-PID, `port`
/// names it). Started by the constructor (throws when it cannot be);
/// stopped and removed by the destructor, whatever the test did.
class PgCluster {
 public:
  PgCluster(const std::string& tag, int port);
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;
  /// Its connection string, without a dbname.
  const std::string& dsn() const { return dsn_; }
  /// Stops it fast (clients are cut off), keeping it for restart().
  void stop();
  /// Stops it if it runs, and starts it again.
  void restart();

 private:
  std::string dir_, dsn_;
};

}  // namespace mugai::test
