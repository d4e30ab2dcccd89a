// generated-mail-ja: every subject, file name and body line must decode to
// what test/corpus/ja_expected.tsv says (written from Python's codecs and
// corrected by hand where the sender's meaning differs; see its header).
#include <catch2/catch_test_macros.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "core/charset/charset.h"
#include "test/common/corpus.h"

using namespace mugai;

namespace {

struct Expected {
  std::vector<std::string> subject, filename, body;
};

std::map<std::string, Expected> loadExpected() {
  std::ifstream f(std::string(MUGAI_SOURCE_DIR) + "/test/corpus/ja_expected.tsv");
  REQUIRE(f.good());
  std::map<std::string, Expected> out;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto t1 = line.find('\t'), t2 = line.find('\t', t1 + 1);
    REQUIRE(t2 != std::string::npos);
    std::string file = line.substr(0, t1), field = line.substr(t1 + 1, t2 - t1 - 1), value = line.substr(t2 + 1);
    auto& e = out[file];
    (field == "subject" ? e.subject : field == "filename" ? e.filename : e.body).push_back(value);
  }
  return out;
}

std::vector<std::string> nonEmptyLines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream ss(text);
  std::string l;
  while (std::getline(ss, l)) {
    while (!l.empty() && (l.back() == '\r' || l.back() == ' ' || l.back() == '\t')) l.pop_back();
    if (l.find_first_not_of(" \t") != std::string::npos) out.push_back(l);
  }
  return out;
}

}  // namespace

TEST_CASE("generated Japanese mail decodes exactly as the sender meant", "[corpus][japanese]") {
  auto expected = loadExpected();
  REQUIRE(expected.size() == 25);
  for (const auto& [file, want] : expected) {
    INFO(file);
    auto o = test::runIdentity(test::readFile(test::corpora() / "generated-mail-ja" / file));
    Expected got;
    got.subject.push_back(o.input.subject);
    o.input.root->forEach([&](const Node& n) {
      if (n.kind != NodeKind::Leaf) return;
      if (!n.filename.empty()) {
        got.filename.push_back(n.filename);
      } else if (n.declaredType == "text/plain") {
        for (auto& l : nonEmptyLines(charset::decodeText(n.decoded, n.charset))) got.body.push_back(l);
      }
    });
    CHECK(got.subject == want.subject);
    CHECK(got.filename == want.filename);
    CHECK(got.body == want.body);
  }
}
