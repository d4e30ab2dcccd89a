// Every mail message in the shared corpora goes through the identity
// pipeline: no crash, a report, bounded memory; and where GMime found
// nothing wrong, the rebuilt message parses back to the same tree.
#include <catch2/catch_test_macros.hpp>

#include <sys/resource.h>

#include "core/mime_parser.h"
#include "core/report.h"
#include "test/common/corpus.h"

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
  for (const auto& path : files) {
    auto o = test::runIdentity(test::readFile(path));
    REQUIRE(o.input.root);
    REQUIRE_FALSE(dumpReport(o.report, false).empty());
    if (o.verdict == Verdict::Rejected) continue;
    auto again = parseMessage(o.output, Limits{}, std::chrono::steady_clock::now() + std::chrono::seconds(60));
    if (!o.input.wellFormed || o.verdict != Verdict::Unchanged) continue;
    ++roundTripped;
    if (leaves(*again.root) != leaves(*o.input.root) || !again.wellFormed) mismatches.push_back(path.string());
  }
  for (const auto& m : mismatches) UNSCOPED_INFO("did not parse back to the same tree: " << m);
  CHECK(mismatches.empty());
  CHECK(roundTripped > 300);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  CHECK(ru.ru_maxrss / 1024 < 512);  // MiB, for the whole corpus in one process
}
