// `cmake --install` on its own: the installed programs run from their
// prefix and start the workers installed beside them (PREFIX/lib/mugai),
// not this build tree's copies.
#include <catch2/catch_test_macros.hpp>

#include <sys/stat.h>

#include <filesystem>

#include "test/common/cli_run.h"
#include "test/common/corpus.h"

namespace fs = std::filesystem;

// [pdf]: the ASan pass leaves it out (its PDF worker cannot start under ASan).
TEST_CASE("cmake --install puts a working mugai under a prefix, with its workers beside it", "[install][pdf]") {
  const fs::path d = mugai::test::freshTempDir("install");
  auto r = mugai::test::runCommand("cmake --install " + std::string(MUGAI_BUILD_DIR) + " --prefix " + (d / "p").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  for (const char* f : {"bin/mugai", "sbin/mugaid", "lib/mugai/mugai-job-worker", "lib/mugai/mugai-pdf-worker"}) {
    INFO(f);
    struct stat st{};
    REQUIRE(::stat((d / "p" / f).c_str(), &st) == 0);
    CHECK((st.st_mode & S_IXUSR) != 0);
  }
  CHECK(fs::exists(d / "p" / "etc" / "mugai" / "mugai.toml"));
  CHECK(fs::exists(d / "p" / "share" / "doc" / "mugai" / "README.md"));

  // The installed config is valid, and a PDF in a mail is re-drawn: the
  // installed job worker started the installed renderer.
  r = mugai::test::runCommand((d / "p" / "sbin" / "mugaid").string() + " --check-config -c " +
                              (d / "p" / "etc" / "mugai" / "mugai.toml").string());
  CHECK(r.code == 0);
  const std::string mail = std::string(MUGAI_SOURCE_DIR) + "/samples/mail/06-pdf-with-javascript.eml";
  r = mugai::test::runCommand((d / "p" / "bin" / "mugai").string() + " mail " + mail + " --no-quarantine --report " +
                              (d / "r.json").string());
  CHECK(r.code == 1);
  CHECK(mugai::test::readFile(d / "r.json").find("pdf.rerendered") != std::string::npos);

  // The same install with its job worker replaced by one that cannot
  // start: the installed mugai fails (closed), so it never used the build
  // tree's worker.
  fs::copy(d / "p", d / "broken", fs::copy_options::recursive);
  fs::remove(d / "broken" / "lib" / "mugai" / "mugai-job-worker");
  mugai::test::writeFile(d / "broken" / "lib" / "mugai" / "mugai-job-worker", "#!/bin/sh\nexit 1\n");
  fs::permissions(d / "broken" / "lib" / "mugai" / "mugai-job-worker", fs::perms::owner_all);
  r = mugai::test::runCommand((d / "broken" / "bin" / "mugai").string() + " mail " + mail + " --no-quarantine");
  INFO(r.out);
  CHECK(r.code == 6);
  CHECK(r.out.find("job.worker_unavailable") != std::string::npos);
  fs::remove_all(d);
}
