// Config: the documented sample equals the built-in defaults, and every
// mistake names file and line.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "core/config.h"
#include "daemon/daemon_config.h"
#include "sanitizers/builtin.h"
#include "test/common/corpus.h"

using namespace mugai;
using Catch::Matchers::ContainsSubstring;

TEST_CASE("samples/mugai.toml documents exactly the built-in defaults", "[config]") {
  Config sample = loadConfigFile(std::string(MUGAI_SOURCE_DIR) + "/samples/mugai.toml");
  Config builtin;
  CHECK(sample.limits.maxMessageBytes == builtin.limits.maxMessageBytes);
  CHECK(sample.limits.maxHeaderBytes == builtin.limits.maxHeaderBytes);
  CHECK(sample.limits.maxHeaders == builtin.limits.maxHeaders);
  CHECK(sample.limits.maxDepth == builtin.limits.maxDepth);
  CHECK(sample.limits.maxParts == builtin.limits.maxParts);
  CHECK(sample.limits.maxDecodedBytes == builtin.limits.maxDecodedBytes);
  CHECK(sample.limits.maxTime == builtin.limits.maxTime);
  REQUIRE(sample.stages.size() == builtin.stages.size());
  for (std::size_t i = 0; i < sample.stages.size(); ++i) CHECK(sample.stages[i].name == builtin.stages[i].name);
  CHECK(sample.notice.enabled == builtin.notice.enabled);
  CHECK(sample.notice.introJa == builtin.notice.introJa);
  CHECK(sample.notice.introEn == builtin.notice.introEn);
  CHECK(sample.notice.fileIntroJa == builtin.notice.fileIntroJa);
  CHECK(sample.notice.fileIntroEn == builtin.notice.fileIntroEn);
  CHECK(sample.notice.requestJa == builtin.notice.requestJa);
  CHECK(sample.notice.requestEn == builtin.notice.requestEn);
  CHECK(sample.quarantine.enabled == builtin.quarantine.enabled);
  CHECK(sample.quarantine.dir == builtin.quarantine.dir);
  CHECK(sample.quarantine.backend == builtin.quarantine.backend);
  CHECK(sample.quarantine.dsn == builtin.quarantine.dsn);
  CHECK(sample.quarantine.poolSize == builtin.quarantine.poolSize);
  CHECK(sample.quarantine.retentionDays == builtin.quarantine.retentionDays);
  CHECK(sample.quarantine.releaseRelay == builtin.quarantine.releaseRelay);
  CHECK(sample.quarantine.releaseFrom == builtin.quarantine.releaseFrom);
  CHECK(sample.worker.maxJobs == builtin.worker.maxJobs);
  CHECK(sample.worker.timeoutSeconds == builtin.worker.timeoutSeconds);
  CHECK(sample.worker.memoryMb == builtin.worker.memoryMb);
  CHECK(sample.worker.cpuSeconds == builtin.worker.cpuSeconds);
  CHECK(sample.worker.attempts == builtin.worker.attempts);
  // The release policy in the sample is the built-in one, option for option.
  REQUIRE(sample.releaseStages.size() == builtin.releaseStages.size());
  for (std::size_t i = 0; i < sample.releaseStages.size(); ++i) {
    CHECK(sample.releaseStages[i].name == builtin.releaseStages[i].name);
    const toml::table* a = sample.releaseStages[i].options;
    const toml::table* b = builtin.releaseStages[i].options;
    REQUIRE((a == nullptr) == (b == nullptr));
    if (a) CHECK(*a == *b);
  }
}

TEST_CASE("[quarantine] backend: postgresql needs a dsn, and the dsn never holds the password", "[config]") {
  auto fails = [](const std::string& toml) {
    try {
      parseConfig(toml, "q.toml");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK_THAT(fails("[quarantine]\nbackend = \"mysql\"\n"), Catch::Matchers::ContainsSubstring("q.toml:2"));
  CHECK_THAT(fails("[quarantine]\nbackend = \"postgresql\"\n"), Catch::Matchers::ContainsSubstring("needs dsn"));
  // Every spelling libpq reads as a password (it parses the dsn here).
  for (const char* dsn : {"host=db dbname=mugai password=secret", "host=db sslpassword = 'x'",
                          "postgresql://mugai:secret@db/mugai", "postgres://db/mugai?password=x",
                          "postgresql://postgres@/postgres?host=/tmp&%70assword=TopSecret1",
                          "postgresql://postgres:Top?Secret2@/postgres"})
    CHECK_THAT(fails(std::string("[quarantine]\nbackend = \"postgresql\"\ndsn = \"") + dsn + "\"\n"),
               Catch::Matchers::ContainsSubstring("password must not be in the config"));
  CHECK_THAT(fails("[quarantine]\nbackend = \"postgresql\"\ndsn = \"host=db dbname\"\n"),
             Catch::Matchers::ContainsSubstring("not a libpq connection string"));
  for (const char* dsn : {"service=mugai", "host=db1,db2 dbname=mugai user=mugai sslmode=verify-full target_session_attrs=read-write",
                          "host=db passfile=/etc/mugai/db_password dbname=password_db",
                          "postgresql://mugai@db/mugai?sslmode=verify-full", "postgresql://[::1]:5432/mugai"})
    CHECK(fails(std::string("[quarantine]\nbackend = \"postgresql\"\ndsn = \"") + dsn + "\"\n").empty());
  Config c = parseConfig("[quarantine]\nbackend = \"postgresql\"\ndsn = \"service=mugai\"\npool_size = 8\n", "q.toml");
  CHECK(c.quarantine.backend == "postgresql");
  CHECK(c.quarantine.poolSize == 8);
}

TEST_CASE("stage options apply to the built-in stage list when [pipeline] is not given", "[config]") {
  Config c = parseConfig("[stage.attachment_strip]\nmode = \"strip_all\"\n", "s.toml");
  REQUIRE(c.stages.size() == 7);
  REQUIRE(c.stages[2].name == "attachment_strip");
  CHECK(c.stages[0].options == nullptr);
  REQUIRE(c.stages[2].options != nullptr);
  CHECK(c.stages[2].options->get("mode")->value<std::string>() == "strip_all");
}

TEST_CASE("quarantine and release policy are read and checked", "[config]") {
  Config c = parseConfig("[quarantine]\ndir = \"/srv/q\"\nretention_days = 30\n[release]\nstages = [\"identity\"]\n",
                         "q.toml");
  CHECK(c.quarantine.dir == "/srv/q");
  CHECK(c.quarantine.retentionDays == 30);
  REQUIRE(c.releaseStages.size() == 1);
  CHECK(c.forRelease().stages[0].name == "identity");
  CHECK(c.stages.size() == 7);  // the main pipeline is untouched
  CHECK_THROWS_WITH(parseConfig("[release]\n[release.stage.identity]\n", "r.toml"), ContainsSubstring("needs stages"));
  CHECK_THROWS_WITH(parseConfig("[quarantine]\nretention = 3\n", "k.toml"),
                    ContainsSubstring("k.toml:2") && ContainsSubstring("retention"));
}

TEST_CASE("config values are read", "[config]") {
  Config c = parseConfig("[limits]\nmax_parts = 7\nmax_seconds = 3\n[notice]\nenabled = false\n", "t.toml");
  CHECK(c.limits.maxParts == 7);
  CHECK(c.limits.maxTime == std::chrono::seconds(3));
  CHECK_FALSE(c.notice.enabled);
}

TEST_CASE("config mistakes name the file, the line and the problem", "[config]") {
  CHECK_THROWS_WITH(parseConfig("[limits]\n\nmax_prats = 7\n", "a.toml"),
                    ContainsSubstring("a.toml:3") && ContainsSubstring("max_prats"));
  CHECK_THROWS_WITH(parseConfig("[limits]\nmax_parts = \"many\"\n", "b.toml"),
                    ContainsSubstring("b.toml:2") && ContainsSubstring("integer"));
  CHECK_THROWS_WITH(parseConfig("[limits]\nmax_depth = 0\n", "c.toml"), ContainsSubstring("between"));
  CHECK_THROWS_WITH(parseConfig("[limits\n", "d.toml"), ContainsSubstring("d.toml:1"));
  CHECK_THROWS_WITH(parseConfig("[stage.other]\n", "e.toml"), ContainsSubstring("not in [pipeline] stages"));
}

TEST_CASE("an unknown sanitizer name is a config error that lists the known ones", "[config]") {
  Config c = parseConfig("[pipeline]\nstages = [\"attachmnet_strip\"]\n", "g.toml");
  CHECK_THROWS_WITH(sanitizers::builtinRegistry().build(c),
                    ContainsSubstring("attachmnet_strip") && ContainsSubstring("identity"));
}

TEST_CASE("stage options are checked by the stage", "[config]") {
  Config c = parseConfig("[pipeline]\nstages = [\"identity\"]\n[stage.identity]\ncolour = 1\n", "h.toml");
  CHECK_THROWS_WITH(sanitizers::builtinRegistry().build(c), ContainsSubstring("h.toml:4") && ContainsSubstring("colour"));
}

TEST_CASE("samples/mugai.toml documents exactly mugaid's defaults", "[config][daemon]") {
  Config sample = loadConfigFile(std::string(MUGAI_SOURCE_DIR) + "/samples/mugai.toml");
  daemon::DaemonConfig a = daemon::readDaemonConfig(sample), b = daemon::readDaemonConfig(Config());
  CHECK(a.listen == b.listen);
  CHECK(a.hostname == b.hostname);
  CHECK(a.spoolDir == b.spoolDir);
  CHECK(a.relayDomains == b.relayDomains);
  CHECK(a.trustedNetworkText == b.trustedNetworkText);
  CHECK(a.delivery == b.delivery);
  CHECK(a.workers == b.workers);
  CHECK(a.maxConnections == b.maxConnections);
  CHECK(a.maxConnectionsPerClient == b.maxConnectionsPerClient);
  CHECK(a.session.maxRecipients == b.session.maxRecipients);
  CHECK(a.commandTimeoutSeconds == b.commandTimeoutSeconds);
  CHECK(a.retrySeconds == b.retrySeconds);
  CHECK(a.maxQueueDays == b.maxQueueDays);
  CHECK(a.tlsCert == b.tlsCert);
  CHECK(a.tlsKey == b.tlsKey);
  CHECK(a.metricsListen == b.metricsListen);
  CHECK(a.nextHopTls == b.nextHopTls);
  CHECK(a.nextHopCaFile == b.nextHopCaFile);
  CHECK(a.proxyProtocol == b.proxyProtocol);
  CHECK(a.proxyNetworkText == b.proxyNetworkText);
  CHECK(a.dsnDelivery == b.dsnDelivery);
  CHECK(a.transport == b.transport);
  CHECK(a.allowUntrustedRouting == b.allowUntrustedRouting);
  CHECK(a.recipientVerification == b.recipientVerification);
  CHECK(a.verifyPositiveSeconds == b.verifyPositiveSeconds);
  CHECK(a.verifyNegativeSeconds == b.verifyNegativeSeconds);
  CHECK(a.verifyTimeoutSeconds == b.verifyTimeoutSeconds);
  CHECK(a.memoryBudgetBytes == b.memoryBudgetBytes);
  CHECK(a.messageMemoryBytes == b.messageMemoryBytes);
  CHECK(a.session.maxLineBytes == b.session.maxLineBytes);
  CHECK(a.session.maxHops == b.session.maxHops);
  CHECK(a.metricsMaxConnections == b.metricsMaxConnections);
  // Every key of the sample's [daemon] is one the reader knows (no stale key).
  CHECK_NOTHROW(daemon::readDaemonConfig(sample));
  CHECK_THROWS_WITH(daemon::readDaemonConfig(parseConfig("[daemon]\nrecipient_verification = \"maybe\"\n", "v.toml")),
                    ContainsSubstring("v.toml:2"));
  CHECK_THROWS_WITH(daemon::readDaemonConfig(parseConfig("[daemon]\nlisten = \"nowhere\"\n", "d.toml")),
                    ContainsSubstring("d.toml:2"));
  CHECK_THROWS_WITH(daemon::readDaemonConfig(parseConfig("[daemon]\ntrusted_networks = [\"10.0.0.0/33\"]\n", "n.toml")),
                    ContainsSubstring("10.0.0.0/33"));
  CHECK_THROWS_WITH(daemon::readDaemonConfig(parseConfig("[daemon]\ndelivery = \"lmtp:x\"\n", "l.toml")),
                    ContainsSubstring("delivery"));
}

TEST_CASE("routes: the transport map by recipient domain, DSNs by dsn_delivery", "[config][daemon]") {
  auto d = daemon::readDaemonConfig(parseConfig(
      "[daemon]\ndelivery = \"smtp:lgwan:25\"\ndsn_delivery = \"smtp:internet-mx:25\"\n"
      "[daemon.transport]\n\"Kyouiku.example.lg.jp\" = \"smtp:school-mail:25\"\n", "t.toml"));
  CHECK(d.routeFor("a@example.lg.jp", false) == "smtp:lgwan:25");
  CHECK(d.routeFor("b@KYOUIKU.example.lg.jp", false) == "smtp:school-mail:25");
  CHECK(d.routeFor("sender@example.net", true) == "smtp:internet-mx:25");
  CHECK_THROWS_WITH(daemon::readDaemonConfig(parseConfig("[daemon.transport]\n\"x.jp\" = \"lmtp:y\"\n", "u.toml")),
                    ContainsSubstring("u.toml:2"));
}

TEST_CASE("trusted networks match the addresses they should", "[config][daemon]") {
  daemon::Network n;
  REQUIRE(daemon::parseNetwork("192.0.2.0/24", n));
  CHECK(n.contains("192.0.2.77"));
  CHECK(n.contains("::ffff:192.0.2.1"));  // an IPv4 client on an IPv6 socket
  CHECK_FALSE(n.contains("192.0.3.1"));
  REQUIRE(daemon::parseNetwork("2001:db8::/32", n));
  CHECK(n.contains("2001:db8:1::5"));
  CHECK_FALSE(n.contains("2001:db9::1"));
  CHECK_FALSE(daemon::parseNetwork("192.0.2.0/", n));
  CHECK_FALSE(daemon::parseNetwork("example.com", n));
}
