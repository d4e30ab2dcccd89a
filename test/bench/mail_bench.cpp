// Benchmark: parse + sanitize (identity) + rebuild throughput of mugai on a
// list of mail files, all held in memory. Prints MB/s. Not a test: run by
// test/bench/run_mail_bench.sh beside Python's email package.
//
// Usage: mugai_mail_bench [--rounds N] [--parse-only] FILE...
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/job/pool.h"
#include "core/mail_job.h"
#include "core/mime_parser.h"
#include "core/rebuild.h"
#include "test/bench/bench_inputs.h"
#include "sanitizers/builtin.h"

int main(int argc, char** argv) {
  auto args = mugai::bench::readInputs(argc, argv, 5);
  const auto& inputs = args.files;
  const int rounds = args.rounds;
  const bool parseOnly = args.parseOnly;
  if (inputs.empty()) {
    std::fprintf(stderr, "usage: mugai_mail_bench [--rounds N] [--parse-only] FILE...\n");
    return 3;
  }
  // parse + rebuild: the identity pipeline (what Python's email package
  // does too); full job: the default pipeline, as `mugai mail` runs it.
  mugai::Config config;
  mugai::Config identity;
  identity.stages = {{"identity", nullptr}};
  auto pipeline = mugai::sanitizers::builtinRegistry().build(identity);
  auto fullPipeline = mugai::sanitizers::builtinRegistry().build(config);
  std::size_t bytes = args.bytes, outBytes = 0;
  double mb = static_cast<double>(bytes) * rounds / 1e6;
  auto report = [&](const char* what, double s) {
    std::printf("mugai %-44s files=%zu bytes=%zu rounds=%d time=%.3f s  %7.1f MB/s  %6.0f msg/s\n", what,
                inputs.size(), bytes, rounds, s, mb / s, static_cast<double>(inputs.size()) * rounds / s);
  };
  // Parse (GMime + our tree, RFC 2047/2231, transfer decoding, SHA-256),
  // the identity pipeline and the rebuild: what Python's email package does.
  auto parseRebuild = [&](const std::string& in) {
    auto deadline = std::chrono::steady_clock::now() + config.limits.maxTime;
    auto parsed = mugai::parseMessage(in, config.limits, deadline);
    mugai::ScanContext ctx(config.limits, deadline);
    pipeline.run(parsed, ctx);
    auto verdict = mugai::verdictOf(*parsed.root);
    return verdict == mugai::Verdict::Rejected ? 0 : mugai::rebuildMessage(parsed, {"bench", verdict, ""}).size();
  };
  for (const auto& in : inputs) outBytes += parseRebuild(in);  // warm-up (iconv tables, GMime init)
  auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r)
    for (const auto& in : inputs) outBytes += parseRebuild(in);
  report("parse + rebuild", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (parseOnly) return outBytes > 0 ? 0 : 1;
  // The whole job as `mugai mail` runs it: plus libmagic on every leaf,
  // the notice and the JSON report.
  start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r)
    for (const auto& in : inputs) outBytes += mugai::processMail(in, config, fullPipeline, "bench").output.size();
  const double inProcess = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report("full job (default sanitizers, notice, report)", inProcess);
  // The same job as mugaid and mugai run it now: in a confined
  // mugai-job-worker, over its pipes (core/job/pool.h). The difference is
  // the process boundary: framing, copies, JSON, the worker's own startup
  // amortised over [worker] max_jobs.
  mugai::job::Pool pool(mugai::job::setupFor(config), mugai::job::optionsFor(config));
  pool.check();
  start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r)
    for (const auto& in : inputs)
      outBytes += pool.run({mugai::job::Kind::Mail, mugai::job::Policy::Main, mugai::newId(), "", {}, in}).output.size();
  const double worker = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report("full job in a job worker (mugaid, mugai)", worker);
  const double jobs = static_cast<double>(inputs.size()) * rounds;
  std::printf("mugai %-44s %.0f us per job (%.1f %% of the in-process job)\n", "process boundary",
              (worker - inProcess) / jobs * 1e6, (worker - inProcess) / inProcess * 100);
  return outBytes > 0 ? 0 : 1;
}
