// See pg_test.h.
#include "test/common/pg_test.h"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <stdexcept>

#include "test/common/cli_run.h"

namespace mugai::test {
namespace {

std::string shellQuoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string script() { return std::string(MUGAI_SOURCE_DIR) + "/test/tools/pg_cluster.sh"; }

std::string run(const std::string& command, const std::string& dir, const std::string& extra = "") {
  CliRun r = runCommand(shellQuoted(script()) + " " + command + " " + dir + extra);
  if (r.code != 0) throw std::runtime_error("pg_cluster.sh " + command + " " + dir + " failed: " + r.out);
  return r.out.substr(0, r.out.find('\n'));
}

// The run's cluster: CTest's (MUGAI_TEST_PG), or one of our own.
struct Cluster {
  std::string dsn;
  std::optional<PgCluster> ours;
  Cluster() {
    if (const char* env = std::getenv("MUGAI_TEST_PG"); env && *env) {
      dsn = env;
      return;
    }
    ours.emplace("run", 56000 + ::getpid() % 4000);
    dsn = ours->dsn();
  }
};

Cluster& cluster() {
  static Cluster c;
  return c;
}

}  // namespace

std::string pgCluster() { return cluster().dsn; }

PgCluster::PgCluster(const std::string& tag, int port)
    : dir_("/tmp/mugai-pg-" + tag + "-" + std::to_string(::getpid())),
      dsn_(run("start", dir_, " " + std::to_string(port))) {}

PgCluster::~PgCluster() {
  runCommand(shellQuoted(script()) + " stop " + dir_);
}

void PgCluster::stop() { run("stop-keep", dir_); }
void PgCluster::restart() { run("restart", dir_); }

std::string psql(const std::string& dsn, const std::string& sql) {
  CliRun r = runCommand("psql -XAtq -v ON_ERROR_STOP=1 " + shellQuoted(dsn) + " -c " + shellQuoted(sql));
  if (r.code != 0) throw std::runtime_error("psql failed: " + r.out);
  return r.out;
}

std::string freshPgDatabase(const std::string& tag) {
  static std::atomic<int> n = 0;
  std::string name = "mugai_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(++n);
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  psql(pgCluster() + " dbname=postgres", "DROP DATABASE IF EXISTS " + name);
  psql(pgCluster() + " dbname=postgres", "CREATE DATABASE " + name + " ENCODING 'UTF8' TEMPLATE template0");
  return pgCluster() + " dbname=" + name;
}

void dropPgDatabase(const std::string& dsn) {
  const std::string name = dsn.substr(dsn.rfind("dbname=") + 7);
  try {
    psql(pgCluster() + " dbname=postgres", "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  } catch (const std::exception&) {
    // Left for the cluster's own removal.
  }
}

}  // namespace mugai::test
