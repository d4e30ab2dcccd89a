// The SSSE3 kernel, for x86-64 CPUs without AVX2: Teddy on 16 positions
// per step (pshufb nibble tables, as in avx2.cpp); SSSE3 has no gather, so
// the hash groups run the portable loop, which is as fast as a gather on
// most CPUs of that age.
#include <immintrin.h>

#include <algorithm>

#include "core/match/kernels.h"

namespace mugai::match::detail {
namespace {

#define MUGAI_SSSE3 __attribute__((target("ssse3,popcnt")))

MUGAI_SSSE3 void teddySsse3(const Database& db, const Confirm& c, std::size_t from, std::size_t to) {
  const TeddyRec& t = db.teddy();
  const std::uint32_t fp = t.fingerprint;
  if (fp == 0) return;
  __m128i lo[kTeddyMaxFingerprint], hi[kTeddyMaxFingerprint];
  for (std::uint32_t j = 0; j < fp; ++j) {
    lo[j] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t.lo[j]));
    hi[j] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t.hi[j]));
  }
  const __m128i nibble = _mm_set1_epi8(0x0F);
  const std::uint8_t* d = c.data();
  std::size_t p = from;
  for (; p + 16 <= to && p + 16 + fp - 1 <= c.size(); p += 16) {
    __m128i res = _mm_set1_epi8(-1);
    for (std::uint32_t j = 0; j < fp; ++j) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(d + p + j));
      const __m128i l = _mm_shuffle_epi8(lo[j], _mm_and_si128(v, nibble));
      const __m128i h = _mm_shuffle_epi8(hi[j], _mm_and_si128(_mm_srli_epi16(v, 4), nibble));
      res = _mm_and_si128(res, _mm_and_si128(l, h));
    }
    unsigned hits = ~static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(res, _mm_setzero_si128()))) & 0xFFFFu;
    if (!hits) continue;
    alignas(16) std::uint8_t masks[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(masks), res);
    while (hits) {
      const int k = __builtin_ctz(hits);
      c.teddy(p + k, masks[k]);
      hits &= hits - 1;
    }
  }
  teddyPortable(db, c, p, to);
}

void scanSsse3(const Database& db, const std::uint8_t* data, std::size_t size, const AtomSink& sink) {
  scanInBlocks(db, data, size, sink, hashGroupPortable, teddySsse3);
}

}  // namespace

const Kernel kSsse3Kernel{"ssse3", scanSsse3};

}  // namespace mugai::match::detail
