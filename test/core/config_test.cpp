// Config: the documented sample equals the built-in defaults, and every
// mistake names file and line.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "core/config.h"
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
