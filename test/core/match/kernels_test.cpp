// Every kernel this CPU runs must report exactly the occurrences a brute
// force search finds, on random and crafted patterns and haystacks, in
// block and in streaming mode (STYLE: test every kernel against the scalar
// version). The brute force here is written from the patterns alone, not
// from the database, so it checks the compiled filters too.
#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch_test_macros.hpp>

#include "core/match/database.h"
#include "core/match/matcher.h"
#include "core/match/signature.h"

using namespace mugai::match;

namespace {

using Hit = std::pair<std::uint32_t, std::uint64_t>;  // signature, start

bool matchesAt(const Pattern& p, const std::string& hay, std::size_t at) {
  if (at + p.size() > hay.size()) return false;
  for (std::size_t i = 0; i < p.size(); ++i)
    if ((static_cast<std::uint8_t>(hay[at + i]) & p[i].mask) != (p[i].value & p[i].mask)) return false;
  return true;
}

/// One single-part signature per pattern; the truth by brute force.
std::set<Hit> bruteForce(const std::vector<Pattern>& pats, const std::string& hay) {
  std::set<Hit> hits;
  for (std::uint32_t s = 0; s < pats.size(); ++s)
    for (std::size_t at = 0; at < hay.size(); ++at)
      if (matchesAt(pats[s], hay, at)) hits.insert({s, at});
  return hits;
}

SignatureSet setOf(const std::vector<Pattern>& pats) {
  SignatureSet set;
  for (std::size_t i = 0; i < pats.size(); ++i) {
    Signature s;
    s.name = "P" + std::to_string(i);
    s.parts.push_back({0, 0, {pats[i]}});
    set.signatures.push_back(s);
  }
  return set;
}

/// The kernel's atom occurrences, as (signature, start) through the refs.
std::set<Hit> kernelHits(const DatabasePtr& db, std::string_view kernel, const std::string& hay) {
  Matcher m(db, kernel);
  std::set<Hit> hits;
  m.scanAtoms(std::as_bytes(std::span(hay.data(), hay.size())), [&](std::uint32_t atom, std::uint64_t start) {
    const AtomRec& a = db->atoms()[atom];
    for (std::uint32_t i = 0; i < a.refsCount; ++i) {
      const bool added = hits.insert({db->refs()[a.refsBegin + i].sig, start}).second;
      CHECK(added);  // each occurrence exactly once
    }
  });
  return hits;
}

Pattern randomPattern(std::mt19937& rng, std::size_t minLen, std::size_t maxLen, double wildRate, const std::string& alphabet) {
  const std::size_t len = std::uniform_int_distribution<std::size_t>(minLen, maxLen)(rng);
  Pattern p;
  for (std::size_t i = 0; i < len; ++i) {
    PatternByte b{static_cast<std::uint8_t>(alphabet[rng() % alphabet.size()]), 0xFF};
    // Keep the two first bytes exact: every part needs a 2-byte exact run.
    if (i >= 2 && std::uniform_real_distribution<>(0, 1)(rng) < wildRate) {
      const int kind = static_cast<int>(rng() % 3);
      b.mask = kind == 0 ? 0x00 : kind == 1 ? 0xF0 : 0x0F;
      b.value &= b.mask;
    }
    p.push_back(b);
  }
  return p;
}

std::string randomHaystack(std::mt19937& rng, std::size_t size, const std::string& alphabet,
                           const std::vector<Pattern>& plant) {
  std::string h(size, '\0');
  for (auto& c : h) c = alphabet[rng() % alphabet.size()];
  // Plant occurrences (wildcards filled randomly), also at both ends and
  // across every 16 KiB block boundary.
  std::vector<std::size_t> spots{0, size};
  for (std::size_t b = 16384; b < size; b += 16384)
    for (std::size_t back = 1; back < 40; back += 3) spots.push_back(b - back);
  for (std::size_t k = 0; k < plant.size() * 2 + spots.size() && !plant.empty(); ++k) {
    const Pattern& p = plant[rng() % plant.size()];
    if (p.size() > size) continue;
    std::size_t at = k < spots.size() ? std::min(spots[k], size - p.size()) : rng() % (size - p.size() + 1);
    for (std::size_t i = 0; i < p.size(); ++i)
      h[at + i] = static_cast<char>(p[i].value | (static_cast<std::uint8_t>(rng()) & ~p[i].mask));
  }
  return h;
}

}  // namespace

TEST_CASE("every kernel finds exactly what brute force finds", "[match][kernels]") {
  std::mt19937 rng(20261125);
  const std::string binary = [] {
    std::string a;
    for (int i = 0; i < 256; ++i) a.push_back(static_cast<char>(i));
    return a;
  }();
  // Few letters: many overlapping occurrences. Built with its length: as a
  // C string literal it would stop at the NUL and never hold 0xFF.
  const std::string small("ab\0\xff", 4);
  struct Case {
    const char* name;
    std::size_t patterns, minLen, maxLen;
    double wildRate;
    std::string alphabet;
  };
  const std::vector<Case> cases = {
      {"a few long literals (teddy)", 10, 8, 40, 0.0, binary},
      {"many long literals (stride 4/8 hash)", 600, 11, 40, 0.0, binary},
      {"many literals 7-10 bytes (stride 4)", 300, 7, 10, 0.0, binary},
      {"short runs, many (stride 1 and 2-byte windows)", 300, 2, 6, 0.3, binary},
      {"wildcards and nibbles", 200, 4, 24, 0.25, binary},
      {"tiny alphabet, overlapping", 40, 2, 12, 0.2, small},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      std::vector<Pattern> pats;
      for (std::size_t i = 0; i < c.patterns; ++i) pats.push_back(randomPattern(rng, c.minLen, c.maxLen, c.wildRate, c.alphabet));
      // A small alphabet is there to test each of its bytes, the edges of
      // the byte range 0x00 and 0xFF among them: every one is an exact byte
      // of some pattern.
      if (c.alphabet.size() <= 8) {
        CHECK(c.alphabet.find('\x00') != std::string::npos);
        CHECK(c.alphabet.find('\xff') != std::string::npos);
      }
      if (c.alphabet.size() <= 8)
        for (const char a : c.alphabet) {
          const auto byte = static_cast<std::uint8_t>(a);
          INFO("byte " << int(byte));
          CHECK(std::any_of(pats.begin(), pats.end(), [&](const Pattern& p) {
            return std::any_of(p.begin(), p.end(), [&](const PatternByte& b) { return b.mask == 0xFF && b.value == byte; });
          }));
        }
      std::string error;
      const auto db = Database::compile(setOf(pats), error);
      REQUIRE(db);
      // 40000 bytes cross the kernels' 16 KiB blocks (plants straddle them).
      for (const std::size_t size : {0ul, 1ul, 3ul, 63ul, 64ul, 65ul, 200ul, 5000ul, 40000ul}) {
        const std::string hay = randomHaystack(rng, size, c.alphabet, pats);
        const auto truth = bruteForce(pats, hay);
        for (const auto kernel : supportedKernels()) {
          INFO("kernel " << kernel << ", haystack " << size << " bytes");
          CHECK(kernelHits(db, kernel, hay) == truth);
        }
      }
    }
  }
}

TEST_CASE("streaming finds the same signatures as one block, however the input is cut", "[match][streaming]") {
  std::mt19937 rng(7);
  const std::string alphabet = "xyz\x01\x02";
  std::vector<Pattern> pats;
  for (int i = 0; i < 30; ++i) pats.push_back(randomPattern(rng, 2, 30, 0.2, alphabet));
  std::string error;
  const auto db = Database::compile(setOf(pats), error);
  REQUIRE(db);
  Matcher m(db);
  for (int round = 0; round < 40; ++round) {
    const std::string hay = randomHaystack(rng, 3000, alphabet, pats);
    const auto block = m.scan(hay);
    std::set<std::uint32_t> truth;
    for (const auto& [sig, at] : bruteForce(pats, hay)) truth.insert(sig);
    CHECK(std::set<std::uint32_t>(block.signatures.begin(), block.signatures.end()) == truth);
    m.begin();
    for (std::size_t at = 0; at < hay.size();) {
      const std::size_t n = std::min(hay.size() - at, std::size_t{1} + rng() % (round % 2 ? 7 : 200));
      m.feed(std::as_bytes(std::span(hay.data() + at, n)));
      at += n;
    }
    const auto streamed = m.finish();
    CHECK(streamed.signatures == block.signatures);
  }
}

TEST_CASE("MUGAI_FORCE_ISA names are checked", "[match][kernels]") {
  std::string error;
  const auto db = Database::compile({}, error);
  REQUIRE(db);
  CHECK_THROWS(Matcher(db, "sse9"));
  const auto kernels = supportedKernels();
  CHECK(std::find(kernels.begin(), kernels.end(), "reference") != kernels.end());
  CHECK(std::find(kernels.begin(), kernels.end(), "portable") != kernels.end());
}
