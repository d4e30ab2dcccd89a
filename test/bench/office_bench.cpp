// Benchmark: office_cdr throughput on a list of documents held in memory,
// one stage call per file as the pipeline makes it (format detection, the
// format's cleaner, the rebuilt package). Prints documents/s, MB/s, the
// p50/p99 latency per file and the peak RSS growth over the run.
// Not a test: run by test/bench/run_office_bench.sh beside LibreOffice.
//
// Usage: mugai_office_bench [--rounds N] FILE...
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/node.h"
#include "sanitizers/office_cdr/office_cdr.h"
#include "test/bench/bench_inputs.h"

namespace {

long peakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  const long rssBefore = peakRssKb();
  auto args = mugai::bench::readInputs(argc, argv, 5);
  const long rssInputs = peakRssKb();
  if (args.files.empty()) {
    std::fprintf(stderr, "usage: mugai_office_bench [--rounds N] FILE...\n");
    return 3;
  }
  mugai::sanitizers::office_cdr::OfficeCdr stage({});
  mugai::Limits limits;
  std::size_t changed = 0;
  std::vector<double> ms;
  auto one = [&](const std::string& bytes) {
    mugai::Node n;
    n.kind = mugai::NodeKind::Leaf;
    n.decoded = bytes;
    n.bodyDecoded = true;
    n.filename = "input";
    mugai::ScanContext ctx(limits, std::chrono::steady_clock::now() + std::chrono::seconds(60));
    const auto t0 = std::chrono::steady_clock::now();
    if (stage.accepts(n)) {
      mugai::Decision d = stage.run(n, ctx);
      changed += d.action != mugai::Action::Keep;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  };
  for (const auto& in : args.files) one(in);  // warm-up
  ms.clear();
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < args.rounds; ++r)
    for (const auto& in : args.files) one(in);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(ms.begin(), ms.end());
  const double p50 = ms[ms.size() / 2], p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  std::printf("mugai office_cdr  files=%zu bytes=%zu rounds=%d time=%.3f s  %8.1f docs/s  %7.2f MB/s  "
              "p50=%.2f ms p99=%.2f ms  rss+%ld MB (inputs %ld MB)  changed/refused=%zu\n",
              args.files.size(), args.bytes, args.rounds, s, static_cast<double>(args.files.size()) * args.rounds / s,
              static_cast<double>(args.bytes) * args.rounds / s / 1e6, p50, p99, (peakRssKb() - rssInputs) / 1024,
              (rssInputs - rssBefore) / 1024, changed / static_cast<std::size_t>(args.rounds + 1));
  return 0;
}
