// conf.d: local settings in FILE's conf.d/*.toml are merged over FILE in
// byte order of their names (tables key by key, other values replaced),
// reach the job workers, name their own file and line in errors, and
// `mugai config show` prints every effective value with its origin.
#include <unistd.h>

#include <filesystem>

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
  // The workers get Config::texts and merge them the same way.
  REQUIRE(c.texts.size() == 3);
  Config again = parseConfigTexts(c.texts);
  CHECK(again.limits.maxParts == 300);
  CHECK(again.limits.maxDepth == 9);
  CHECK(again.stages.size() == 1);
}

TEST_CASE("a conf.d file may drop a stage the main file configured, not configure one it does not run", "[config]") {
  auto d = freshTempDir("confd-drop");
  // The installed file configures every stage (samples/mugai.toml); the site runs fewer.
  writeFile(d / "mugai.toml", test::readFile(std::string(MUGAI_SOURCE_DIR) + "/samples/mugai.toml"));
  writeFile(d / "conf.d" / "50-site.toml", "[pipeline]\nstages = [\"signature_scan\", \"attachment_strip\"]\n");
  Config c = loadConfigFile((d / "mugai.toml").string());
  REQUIRE(c.stages.size() == 2);
  CHECK(c.stages[1].name == "attachment_strip");
  CHECK(c.stages[1].options != nullptr);  // the main file's options of a stage still run apply
  // Options of a dropped stage in the same or a later file than the list: a mistake.
  writeFile(d / "conf.d" / "60-more.toml", "[stage.office_cdr]\nhyperlinks = \"keep\"\n");
  CHECK_THROWS_WITH(loadConfigFile((d / "mugai.toml").string()),
                    ContainsSubstring("60-more.toml") && ContainsSubstring("not in [pipeline] stages"));
}

TEST_CASE("conf.d entries that cannot be read, or that others could have written, stop the program", "[config]") {
  namespace fs = std::filesystem;
  auto d = freshTempDir("confd-trust");
  writeFile(d / "mugai.toml", "[limits]\nmax_parts = 100\n");
  writeFile(d / "conf.d" / "50-ok.toml", "[limits]\nmax_depth = 9\n");
  const auto writable = fs::perms::group_write | fs::perms::others_write;
  fs::permissions(d / "conf.d", writable, fs::perm_options::remove);
  fs::permissions(d / "conf.d" / "50-ok.toml", writable, fs::perm_options::remove);
  const std::string f = (d / "mugai.toml").string();
  REQUIRE(loadConfigFile(f).limits.maxDepth == 9);

  fs::create_symlink(d / "nowhere.toml", d / "conf.d" / "60-dangling.toml");
  CHECK_THROWS_WITH(loadConfigFile(f), ContainsSubstring("60-dangling.toml") && ContainsSubstring("not a regular file"));
  fs::remove(d / "conf.d" / "60-dangling.toml");
  fs::create_directory(d / "conf.d" / "70-dir.toml");
  CHECK_THROWS_WITH(loadConfigFile(f), ContainsSubstring("70-dir.toml"));
  fs::remove(d / "conf.d" / "70-dir.toml");

  fs::permissions(d / "conf.d" / "50-ok.toml", fs::perms::others_write, fs::perm_options::add);
  CHECK_THROWS_WITH(loadConfigFile(f), ContainsSubstring("50-ok.toml") && ContainsSubstring("writable by group or others"));
  fs::permissions(d / "conf.d" / "50-ok.toml", fs::perms::others_write, fs::perm_options::remove);
  fs::permissions(d / "conf.d", fs::perms::group_write, fs::perm_options::add);
  CHECK_THROWS_WITH(loadConfigFile(f), ContainsSubstring("conf.d") && ContainsSubstring("writable by group or others"));
  fs::permissions(d / "conf.d", fs::perms::group_write, fs::perm_options::remove);
  if (::geteuid() == 0) {
    REQUIRE(::chown((d / "conf.d" / "50-ok.toml").c_str(), 65534, 65534) == 0);
    CHECK_THROWS_WITH(loadConfigFile(f), ContainsSubstring("50-ok.toml") && ContainsSubstring("neither root nor this user"));
  }
  fs::remove_all(d / "conf.d");
  fs::create_directory_symlink(d / "gone", d / "conf.d");  // a dangling conf.d is not "no conf.d"
  CHECK_THROWS_WITH(loadConfigFile(f), ContainsSubstring("conf.d"));
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
  // A value that, written back as one TOML text, could turn into a
  // [pipeline] table of its own: the worker must see it as the string it is.
  writeFile(d / "etc" / "conf.d" / "50-local.toml",
            "[notice]\nintro_en = \"Local notice text from conf.d.\"\n"
            "request_en = \"x\\n'''\\n[pipeline]\\nstages = [\\\"url_defang\\\"]\\n#\"\n");
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
  CHECK(text.out.find("stages = [\"url_defang\"]") != std::string::npos);  // the string, shown as text
  CHECK(r.out.find("vbaProject.bin") != std::string::npos);                // and the full pipeline ran
}

TEST_CASE("mugai config show prints each effective value with where it came from", "[config][cli]") {
  auto d = freshTempDir("confd-show");
  writeFile(d / "mugai.toml", "[worker]\nmax_jobs = 7\n\n[pipeline]\nstages = [\"signature_scan\", \"zip_scan\"]\n");
  writeFile(d / "conf.d" / "50-local.toml",
            "\n[worker]\nattempts = 2\n[stage.zip_scan]\nmax_entries = 42\n"
            "[daemon.transport]\n\"soumu.example.lg.jp\" = \"smtp:127.0.0.1:25\"\n");
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

  CHECK_THAT(r.out, ContainsSubstring("\"soumu.example.lg.jp\" = \"smtp:127.0.0.1:25\"  # " + local + ":7"));

  // A stage option the stage refuses: config show refuses too (a job worker builds the pipelines).
  writeFile(d / "conf.d" / "55-bad-stage.toml", "[stage.zip_scan]\nencrypted = \"sometimes\"\n");
  auto badStage = runCli("config show -c " + f);
  CHECK(badStage.code == 3);
  CHECK_THAT(badStage.out, ContainsSubstring("encrypted"));
  std::filesystem::remove(d / "conf.d" / "55-bad-stage.toml");

  // A broken conf.d file: config show refuses, as every command would.
  writeFile(d / "conf.d" / "60-bad.toml", "[worker]\nmax_jobz = 1\n");
  auto bad = runCli("config show -c " + f);
  CHECK(bad.code == 3);
  CHECK_THAT(bad.out, ContainsSubstring("60-bad.toml:2"));
}
