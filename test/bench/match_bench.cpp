// Signature matching throughput, one core: mugai's matcher (the kernel this
// CPU dispatches to), our scalar reference (Aho–Corasick), and Vectorscan,
// on the corpus and pattern sets of ../shared/anchors/bench_match.sh.
// Prints one line per engine with GB/s (median of R passes over every
// corpus part, each part scanned as one block), occurrences counted (they
// must agree between engines), compile time and database size.
// Usage: mugai_match_bench PATTERNS.hex R CORPUS_PART...  (see run_match_bench.sh)
#include <hs/hs.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/match/database.h"
#include "core/match/matcher.h"

using namespace mugai::match;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::vector<std::string> readLines(const char* path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);)
    if (l.size() >= 2) lines.push_back(l);
  return lines;
}

SignatureSet toSignatures(const std::vector<std::string>& hex) {
  SignatureSet set;
  for (std::size_t i = 0; i < hex.size(); ++i) {
    std::string error;
    auto sig = parseNdbLine("Bench." + std::to_string(i) + ":0:*:" + hex[i], error);
    if (!sig) {
      std::fprintf(stderr, "pattern %zu: %s\n", i, error.c_str());
      std::exit(2);
    }
    set.signatures.push_back(std::move(*sig));
  }
  return set;
}

struct Line {
  const char* engine;
  double gbps;
  std::uint64_t matches;
  double compileMs;
  std::size_t dbBytes;
};

void print(const char* set, std::size_t patterns, std::uint64_t bytes, const Line& l) {
  std::printf("set=%s patterns=%zu engine=%s bytes=%llu matches=%llu GBps=%.3f compile_ms=%.1f db_bytes=%zu\n", set,
              patterns, l.engine, static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(l.matches),
              l.gbps, l.compileMs, l.dbBytes);
  std::fflush(stdout);
}

Line runMugai(const DatabasePtr& db, std::string_view kernel, const std::vector<std::string>& parts, std::uint64_t bytes,
              int rounds, double compileMs) {
  Matcher m(db, kernel);
  std::vector<double> times;
  std::uint64_t matches = 0;
  for (int r = 0; r < rounds + 1; ++r) {  // one warm-up pass
    std::uint64_t n = 0;
    const auto t0 = Clock::now();
    for (const auto& p : parts) n += m.countAtoms(std::as_bytes(std::span(p.data(), p.size())));
    const auto t1 = Clock::now();
    if (r > 0) times.push_back(seconds(t0, t1));
    matches = n;
  }
  return {kernel == "reference" ? "mugai-reference" : "mugai", bytes / median(times) / 1e9, matches, compileMs,
          db->info().blobBytes};
}

int countHs(unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
  ++*static_cast<std::uint64_t*>(ctx);
  return 0;
}

Line runVectorscan(const std::vector<std::string>& hex, const std::vector<std::string>& parts, std::uint64_t bytes,
                   int rounds) {
  std::vector<std::string> regex;
  for (const auto& h : hex) {
    std::string r;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) r += h.compare(i, 2, "??") == 0 ? "." : "\\x" + h.substr(i, 2);
    regex.push_back(r);
  }
  std::vector<const char*> exprs;
  std::vector<unsigned> flags(regex.size(), HS_FLAG_DOTALL), ids;
  for (std::size_t i = 0; i < regex.size(); ++i) exprs.push_back(regex[i].c_str()), ids.push_back(static_cast<unsigned>(i));
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  const auto t0 = Clock::now();
  if (hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK,
                       nullptr, &db, &err) != HS_SUCCESS) {
    std::fprintf(stderr, "vectorscan: %s\n", err ? err->message : "compile failed");
    std::exit(2);
  }
  const double compileMs = seconds(t0, Clock::now()) * 1e3;
  std::size_t size = 0;
  hs_database_size(db, &size);
  hs_scratch_t* scratch = nullptr;
  hs_alloc_scratch(db, &scratch);
  std::vector<double> times;
  std::uint64_t matches = 0;
  for (int r = 0; r < rounds + 1; ++r) {
    std::uint64_t n = 0;
    const auto a = Clock::now();
    for (const auto& p : parts) hs_scan(db, p.data(), static_cast<unsigned>(p.size()), 0, scratch, countHs, &n);
    const auto b = Clock::now();
    if (r > 0) times.push_back(seconds(a, b));
    matches = n;
  }
  hs_free_scratch(scratch);
  hs_free_database(db);
  return {"vectorscan", bytes / median(times) / 1e9, matches, compileMs, size};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s PATTERNS.hex ROUNDS CORPUS_PART...\n", argv[0]);
    return 2;
  }
  const auto hex = readLines(argv[1]);
  const int rounds = std::max(1, std::atoi(argv[2]));
  std::vector<std::string> parts;
  std::uint64_t bytes = 0;
  for (int i = 3; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    parts.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    bytes += parts.back().size();
  }
  std::string set = argv[1];
  set = set.substr(set.find_last_of('/') + 1);
  set = set.substr(0, set.find('.'));

  const auto t0 = Clock::now();
  std::string error;
  const auto db = Database::compile(toSignatures(hex), error);
  const double compileMs = seconds(t0, Clock::now()) * 1e3;
  if (!db) {
    std::fprintf(stderr, "compile: %s\n", error.c_str());
    return 2;
  }
  std::printf("# set=%s filters: %s\n", set.c_str(), db->info().groups.c_str());
  const bool skipReference = std::getenv("MUGAI_BENCH_NO_REFERENCE") != nullptr;
  const bool skipHs = std::getenv("MUGAI_BENCH_NO_VECTORSCAN") != nullptr;
  print(set.c_str(), hex.size(), bytes, runMugai(db, defaultKernel(), parts, bytes, rounds, compileMs));
  if (!skipHs) print(set.c_str(), hex.size(), bytes, runVectorscan(hex, parts, bytes, rounds));
  if (!skipReference) print(set.c_str(), hex.size(), bytes, runMugai(db, "reference", parts, bytes, 1, compileMs));
  return 0;
}
