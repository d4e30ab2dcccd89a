// Differential fuzzer across the matcher's kernels (STYLE: simdjson
// fuzz_implementations): the input's first bytes describe up to 64
// patterns (length byte, then value/mask pairs), the rest is the haystack.
// Every kernel this CPU runs must report the same (atom, start) set as the
// reference, and the streaming mode the same signatures as one block.
// Any difference aborts, which libFuzzer reports with the input.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>

#include "core/match/database.h"
#include "core/match/matcher.h"

using namespace mugai::match;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::size_t at = 1;
  const std::size_t count = data[0] % 64 + 1;
  SignatureSet set;
  for (std::size_t i = 0; i < count && at < size; ++i) {
    const std::size_t len = data[at++] % 40 + 2;
    if (at + 2 * len > size) break;
    Pattern p;
    for (std::size_t k = 0; k < len; ++k) {
      const std::uint8_t masks[4] = {0xFF, 0xFF, 0xF0, 0x00};
      const std::uint8_t mask = k < 2 ? 0xFF : masks[data[at + 2 * k + 1] % 4];
      p.push_back({static_cast<std::uint8_t>(data[at + 2 * k] & mask), mask});
    }
    at += 2 * len;
    Signature s;
    s.name = "F" + std::to_string(i);
    s.parts.push_back({0, 0, {p}});
    set.signatures.push_back(std::move(s));
  }
  std::string error;
  const auto db = Database::compile(set, error);
  if (!db) std::abort();
  const auto hay = std::as_bytes(std::span(data + at, size - at));
  std::set<std::pair<std::uint32_t, std::uint64_t>> reference;
  Matcher(db, "reference").scanAtoms(hay, [&](std::uint32_t a, std::uint64_t s) { reference.insert({a, s}); });
  for (const auto kernel : supportedKernels()) {
    std::set<std::pair<std::uint32_t, std::uint64_t>> got;
    Matcher(db, kernel).scanAtoms(hay, [&](std::uint32_t a, std::uint64_t s) { got.insert({a, s}); });
    if (got != reference) std::abort();
  }
  Matcher m(db);
  const auto block = m.scan(hay);
  m.begin();
  for (std::size_t i = 0; i < hay.size(); i += 7) m.feed(hay.subspan(i, std::min<std::size_t>(7, hay.size() - i)));
  if (m.finish().signatures != block.signatures) std::abort();
  return 0;
}
