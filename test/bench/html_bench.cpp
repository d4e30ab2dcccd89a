// Benchmark: HTML -> text throughput of html_to_text's renderer (charset
// decoding, libxml2 parse, layout, footnotes) on a list of HTML files held
// in memory, one call per file as the sanitizer makes it. Prints MB/s.
// Not a test: run by test/bench/run_html_bench.sh beside `w3m -dump`.
//
// Usage: mugai_html_bench [--rounds N] FILE...
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/charset/charset.h"
#include "test/bench/bench_inputs.h"
#include "sanitizers/html_to_text/html_render.h"

int main(int argc, char** argv) {
  auto args = mugai::bench::readInputs(argc, argv, 3);
  const auto& inputs = args.files;
  const int rounds = args.rounds;
  if (inputs.empty()) {
    std::fprintf(stderr, "usage: mugai_html_bench [--rounds N] FILE...\n");
    return 3;
  }
  std::size_t bytes = args.bytes, out = 0;
  auto one = [&](const std::string& in) {
    return mugai::sanitizers::html_to_text::renderHtml(mugai::charset::decodeText(in, "utf-8"), mugai::UrlMode::Defang)
        .text.size();
  };
  for (const auto& in : inputs) out += one(in);  // warm-up
  auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r)
    for (const auto& in : inputs) out += one(in);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("mugai html_to_text   files=%zu bytes=%zu rounds=%d time=%.3f s  %7.2f MB/s  %7.1f files/s\n",
              inputs.size(), bytes, rounds, s, static_cast<double>(bytes) * rounds / s / 1e6,
              static_cast<double>(inputs.size()) * rounds / s);
  return out > 0 ? 0 : 1;
}
