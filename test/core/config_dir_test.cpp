// conf.d: local settings in FILE's conf.d/*.toml are merged over FILE in
// byte order of their names (tables key by key, other values replaced),
// reach the job workers, name their own file and line in errors, and
// `mugai config show` prints every effective value with its origin.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "core/config.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"

using namespace mugai;
using Catch::Matchers::ContainsSubstring;
using mugai::test::freshTempDir;
using mugai::test::runCli;
using mugai::test::writeFile;

TEST_CASE("conf.d files are merged over the config file in byte order", "[config]") {
  auto d = freshTempDir("confd-merge");
  writeFile(d / "mugai.toml",
            "[limits]\nmax_parts = 100\nmax_depth = 9\n[worker]\nmax_jobs = 5\n"
            "[pipeline]\nstages = [\"signature_scan\", \"attachment_strip\"]\n");
  writeFile(d / "conf.d" / "20-later.toml", "[limits]\nmax_parts = 300\n");
  writeFile(d / "conf.d" / "10-first.toml", "[limits]\nmax_parts = 200\n[pipeline]\nstages = [\"identity\"]\n");
  // Not read: not *.toml, or hidden (dpkg and editors leave such files).
  writeFile(d / "conf.d" / "30-old.toml.dpkg-old", "[limits]\nmax_parts = 999\n");
  writeFile(d / "conf.d" / ".40-hidden.toml", "[limits]\nmax_parts = 998\n");
  writeFile(d / "conf.d" / "50-notes.txt", "not toml at all [[[\n");

  Config c = loadConfigFile((d / "mugai.toml").string());
  CHECK(c.limits.maxParts == 300);  // 20-later wins over 10-first and the file
  CHECK(c.limits.maxDepth == 9);    // [limits] merged key by key: the file's other keys stay
  CHECK(c.worker.maxJobs == 5);
  REQUIRE(c.stages.size() == 1);  // an array is replaced whole, not appended to
  CHECK(c.stages[0].name == "identity");
  CHECK(configFiles((d / "mugai.toml").string()) ==
        std::vector<std::string>{(d / "mugai.toml").string(), (d / "conf.d" / "10-first.toml").string(),
                                 (d / "conf.d" / "20-later.toml").string()});
  // The workers read Config::text: it must say the same as the merge.
  Config again = parseConfig(c.text, "merged");
  CHECK(again.limits.maxParts == 300);
  CHECK(again.limits.maxDepth == 9);
  CHECK(again.stages.size() == 1);
}

TEST_CASE("a mistake in a conf.d file names that file and its line", "[config]") {
  auto d = freshTempDir("confd-error");
  writeFile(d / "mugai.toml", "[limits]\nmax_parts = 100\n");
  writeFile(d / "conf.d" / "50-local.toml", "# local\n\n[limits]\nmax_prats = 7\n");
  CHECK_THROWS_WITH(loadConfigFile((d / "mugai.toml").string()),
                    ContainsSubstring("50-local.toml:4") && ContainsSubstring("max_prats"));
  writeFile(d / "conf.d" / "50-local.toml", "[worker]\nattempts = \"three\"\n");
  CHECK_THROWS_WITH(loadConfigFile((d / "mugai.toml").string()),
                    ContainsSubstring("50-local.toml:2") && ContainsSubstring("integer"));
  writeFile(d / "conf.d" / "50-local.toml", "[worker\n");
  CHECK_THROWS_WITH(loadConfigFile((d / "mugai.toml").string()), ContainsSubstring("50-local.toml:1"));
}

TEST_CASE("the job worker cleans with the conf.d settings", "[config][cli]") {
  auto d = freshTempDir("confd-worker");
  writeFile(d / "etc" / "mugai.toml", "[notice]\nintro_en = \"From the main file.\"\n");
  writeFile(d / "etc" / "conf.d" / "50-local.toml", "[notice]\nintro_en = \"Local notice text from conf.d.\"\n");
  auto r = runCli("mail " + std::string(MUGAI_SOURCE_DIR) + "/samples/mail/07-word-macro-dde.eml" + " -c " +
                  (d / "etc" / "mugai.toml").string() + " --quarantine " + (d / "q").string() + " -o " +
                  (d / "out.eml").string());
  INFO(r.out);
  REQUIRE(r.code == 1);
  // The notice as a mail reader shows it: Python's email package decodes each text part.
  auto text = test::runCommand("/usr/bin/python3 -c 'import email, email.policy, sys\n"
                               "m = email.message_from_binary_file(open(sys.argv[1], \"rb\"), policy=email.policy.default)\n"
                               "for p in m.walk():\n"
                               "  if p.get_content_type() == \"text/plain\": print(p.get_content())' " +
                               (d / "out.eml").string());
  INFO(text.out);
  REQUIRE(text.code == 0);
  CHECK(text.out.find("Local notice text from conf.d.") != std::string::npos);
  CHECK(text.out.find("From the main file.") == std::string::npos);
}

TEST_CASE("mugai config show prints each effective value with where it came from", "[config][cli]") {
  auto d = freshTempDir("confd-show");
  writeFile(d / "mugai.toml", "[worker]\nmax_jobs = 7\n\n[pipeline]\nstages = [\"signature_scan\", \"zip_scan\"]\n");
  writeFile(d / "conf.d" / "50-local.toml", "\n[worker]\nattempts = 2\n[stage.zip_scan]\nmax_entries = 42\n");
  auto r = runCli("config show -c " + (d / "mugai.toml").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  const std::string f = (d / "mugai.toml").string(), local = (d / "conf.d" / "50-local.toml").string();
  CHECK_THAT(r.out, ContainsSubstring("max_jobs = 7  # " + f + ":2"));
  CHECK_THAT(r.out, ContainsSubstring("attempts = 2  # " + local + ":3"));
  CHECK_THAT(r.out, ContainsSubstring("max_entries = 42  # " + local + ":5"));
  CHECK_THAT(r.out, ContainsSubstring("timeout_seconds = 300  # built-in"));      // [worker], not set anywhere
  CHECK_THAT(r.out, ContainsSubstring("max_archive_depth = 5  # built-in"));      // [stage.zip_scan], the rest
  CHECK_THAT(r.out, ContainsSubstring("listen = \"127.0.0.1:2525\"  # built-in"));  // [daemon] too
  // Stages the pipeline does not run show no options.
  CHECK(r.out.find("[stage.office_cdr]") == std::string::npos);
  CHECK_THAT(r.out, ContainsSubstring("[stage.signature_scan]"));
  // What it prints is a config: mugai reads it back with the same values.
  auto again = freshTempDir("confd-show-again");
  writeFile(again / "shown.toml", r.out);
  Config c = loadConfigFile((again / "shown.toml").string());
  CHECK(c.worker.maxJobs == 7);
  CHECK(c.worker.attempts == 2);
  CHECK(c.stages.size() == 2);

  // A broken conf.d file: config show refuses, as every command would.
  writeFile(d / "conf.d" / "60-bad.toml", "[worker]\nmax_jobz = 1\n");
  auto bad = runCli("config show -c " + f);
  CHECK(bad.code == 3);
  CHECK_THAT(bad.out, ContainsSubstring("60-bad.toml:2"));
}
