// Every mail message in the shared corpora goes through the identity
// pipeline: no crash, a report, bounded memory; where GMime found nothing
// wrong, the rebuilt message parses back to the same tree; and every
// rebuilt message is read by an outside judge, Python's email package (one
// python3 process for the whole corpus), which must find no structural
// defect (test/tools/email_judge.py lists them).
#include <catch2/catch_test_macros.hpp>

#include <sys/resource.h>

#include <filesystem>
#include <map>

#include "core/mime_parser.h"
#include "core/report.h"
#include "test/common/cli_run.h"
#include "test/common/corpus.h"
#include "test/common/python_judge.h"

using namespace mugai;

namespace {

struct Leaf {
  std::string type, filename, sha256;
  bool operator==(const Leaf&) const = default;
};

std::vector<Leaf> leaves(const Node& root) {
  std::vector<Leaf> out;
  root.forEach([&](const Node& n) {
    if (n.kind == NodeKind::Leaf) out.push_back({n.declaredType, n.filename, n.sha256()});
  });
  return out;
}

}  // namespace

TEST_CASE("the mail corpus survives the identity pipeline and round-trips", "[corpus]") {
  auto files = test::mailFiles();
  REQUIRE(files.size() > 600);
  int roundTripped = 0;
  std::vector<std::string> mismatches;
  const auto outDir = test::freshTempDir("corpus-rebuilt");
  std::map<std::string, std::string> sourceOf;  // rebuilt file name -> corpus file
  for (const auto& path : files) {
    auto o = test::runIdentity(test::readFile(path));
    REQUIRE(o.input.root);
    REQUIRE_FALSE(dumpReport(o.report, false).empty());
    if (o.verdict == Verdict::Rejected) continue;
    std::string name = std::to_string(sourceOf.size()) + ".eml";
    sourceOf[name] = path.lexically_relative(test::corpora()).string();
    test::writeFile(outDir / name, o.output);
    auto again = parseMessage(o.output, Limits{}, std::chrono::steady_clock::now() + std::chrono::seconds(60));
    if (!o.input.wellFormed || o.verdict != Verdict::Unchanged) continue;
    ++roundTripped;
    if (leaves(*again.root) != leaves(*o.input.root) || !again.wellFormed) mismatches.push_back(path.string());
  }
  for (const auto& m : mismatches) UNSCOPED_INFO("did not parse back to the same tree: " << m);
  CHECK(mismatches.empty());
  auto readings = test::readWithPython(outDir);
  CHECK(readings.size() == sourceOf.size());
  std::vector<std::string> defective;
  for (const auto& [name, reading] : readings) {
    if (reading.defects.empty()) continue;
    std::string list;
    for (const auto& d : reading.defects) list += " " + d;
    defective.push_back(sourceOf[name] + ":" + list);
  }
  for (const auto& d : defective) UNSCOPED_INFO("Python's email finds a structural defect in our output of " << d);
  CHECK(defective.empty());
  std::filesystem::remove_all(outDir);
  CHECK(roundTripped > 300);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  CHECK(ru.ru_maxrss / 1024 < 512);  // MiB, for the whole corpus in one process
}
