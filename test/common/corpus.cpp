#include "test/common/corpus.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <catch2/catch_test_macros.hpp>

#include "sanitizers/builtin.h"

namespace fs = std::filesystem;

namespace mugai::test {

fs::path corpora() {
  fs::path p(MUGAI_CORPORA);
  if (!fs::is_directory(p)) FAIL("shared corpora not found at " << p << " (clone ../shared beside the repo)");
  return p;
}

std::vector<fs::path> mailFiles() {
  // Directories of mail messages (SOURCES.md section 1); inside them every
  // file that is a message: .eml/.msg/.raw/.txt or no extension, minus
  // expected-output files and licences.
  static const char* kDirs[] = {
      "cassandane", "cpython-test-email", "enmime", "generated-mail-ja", "gmime/tests",
      "joruri-mail", "mikel-mail", "milter-manager-test-mails", "mime4j", "mimekit/UnitTests/TestData/messages",
      "mimekit/UnitTests/TestData/dkim", "mimekit/UnitTests/TestData/smime", "mimekit/UnitTests/TestData/partial",
      "nodemailer-mailparser", "php-mime-mail-parser", "spamscope-mail-parser", "stalwart-mail-parser",
      "zbateson-mail-mime-parser/tests/_data/emails"};
  std::vector<fs::path> out;
  const fs::path root = corpora();
  for (const char* d : kDirs) {
    for (const auto& e : fs::recursive_directory_iterator(root / d)) {
      if (!e.is_regular_file()) continue;
      const std::string name = e.path().filename().string();
      const std::string ext = e.path().extension().string();
      const std::string path = e.path().string();
      bool mailExt = ext == ".eml" || ext == ".msg" || ext == ".raw" || ext == ".txt" || ext.empty();
      bool excluded = path.find("/files/") != std::string::npos || path.find("/filters/") != std::string::npos ||
                      path.find("_decoded") != std::string::npos || name.rfind("LICENSE", 0) == 0 ||
                      name.rfind("COPYING", 0) == 0 || name.rfind("README", 0) == 0 || name == "NOTICE" ||
                      name.rfind("COPYRIGHT", 0) == 0 || name == "INDEX.tsv";
      if (mailExt && !excluded) out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string readFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  REQUIRE(f.good());
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

MailOutcome runIdentity(std::string bytes, const Config& config) {
  static const Pipeline pipeline = [] {
    Config identity;
    identity.stages = {{"identity", nullptr}};
    return sanitizers::builtinRegistry().build(identity);
  }();
  return processMail(std::move(bytes), config, pipeline, "00000000000000000000000000000000");
}

const Node* firstLeaf(const Node& root) {
  const Node* found = nullptr;
  root.forEach([&](const Node& n) {
    if (!found && n.kind == NodeKind::Leaf) found = &n;
  });
  return found;
}

const Config& defaultConfig() {
  static const Config defaults;
  return defaults;
}

MailOutcome runIdentity(std::string bytes) { return runIdentity(std::move(bytes), defaultConfig()); }

MailOutcome runStage(std::string bytes, SanitizerPtr stage) {
  std::vector<SanitizerPtr> stages;
  stages.push_back(std::move(stage));
  return processMail(std::move(bytes), defaultConfig(), Pipeline(std::move(stages)), "00000000000000000000000000000000");
}

}  // namespace mugai::test

namespace mugai::test {

const toml::table& stageOptions(const Config& config, const std::string& name) {
  for (const auto& s : config.stages)
    if (s.name == name && s.options) return *s.options;
  FAIL("no options for stage " + name + " in " + config.source);
  throw std::logic_error("unreachable");
}

}  // namespace mugai::test
