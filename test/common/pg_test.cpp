// See pg_test.h.
#include "test/common/pg_test.h"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <mutex>
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

struct Cluster {
  std::string dsn, dir;
  bool ours = false;
  Cluster() {
    if (const char* env = std::getenv("MUGAI_TEST_PG"); env && *env) {
      dsn = env;
      const auto at = dsn.find("host=");
      dir = dsn.substr(at + 5, dsn.find(' ', at) - (at + 5));
      return;
    }
    dir = "/tmp/mugai-pg-" + std::to_string(::getpid());
    CliRun r = runCommand(shellQuoted(script()) + " start " + dir + " " + std::to_string(56000 + ::getpid() % 4000));
    if (r.code != 0) throw std::runtime_error("cannot start a PostgreSQL cluster for the test: " + r.out);
    dsn = r.out.substr(0, r.out.find('\n'));
    ours = true;
  }
  ~Cluster() {
    if (ours) runCommand(shellQuoted(script()) + " stop " + dir);
  }
};

Cluster& cluster() {
  static Cluster c;
  return c;
}

}  // namespace

std::string pgCluster() { return cluster().dsn; }
std::string pgClusterDir() { return cluster().dir; }

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
