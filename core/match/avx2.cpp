// The AVX2 kernel (target attribute per function, not a global flag, so the
// rest of the binary still runs on any x86-64).
//
// Hash groups: eight window keys per step, hashed with one vpmulld, their
// bitmap words fetched with one vpgatherdd, and one movemask says whether
// any of the eight hit. How the eight keys are cut from the input depends on
// the stride:
//   stride 4: the 8 dwords of one 32-byte load ARE the keys at p, p+4, .., p+28
//   stride 8: even dwords of two loads (vshufps), positions 0,8,32,40,16,24,48,56
//   stride 1: bytes [i, i+4) of two 16-byte loads (p, p+4), via vpshufb
//   stride 2: the same with loads at p, p+8 and byte pairs [2i, 2i+4)
// Teddy: 32 positions per step; for each fingerprint byte j, the low and
// high nibbles of the bytes at p+j pick bucket masks from 16-byte tables
// (vpshufb); a byte left non-zero after ANDing all of them is a candidate.
// Loops stop where a full load would pass the end; the portable loop
// finishes the tail, so nothing is read past the buffer.
#include <immintrin.h>

#include <algorithm>

#include "core/match/kernels.h"

namespace mugai::match::detail {
namespace {

#define MUGAI_AVX2 __attribute__((target("avx2,bmi,bmi2,popcnt")))

MUGAI_AVX2 inline __m256i windows(const std::uint8_t* p, __m128i control, std::size_t laneStep) {
  const __m256i v = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(p + laneStep),
                                        reinterpret_cast<const __m128i*>(p));
  return _mm256_shuffle_epi8(v, _mm256_broadcastsi128_si256(control));
}

/// Checks the 8 keys in `keys`; `pos[i]` is lane i's offset from p.
MUGAI_AVX2 inline void probe(const HashGroup& g, const std::uint32_t* bitmap, const Confirm& c, __m256i keys,
                             std::size_t p, const std::uint8_t* pos) {
  __m256i word, bit1, bit2;
  if (g.window == 4) {
    word = _mm256_srl_epi32(_mm256_mullo_epi32(keys, _mm256_set1_epi32(static_cast<int>(kWordHash))),
                            _mm_cvtsi32_si128(static_cast<int>(32 - (g.bitmapBits - 5))));
    const __m256i b = _mm256_srli_epi32(_mm256_mullo_epi32(keys, _mm256_set1_epi32(static_cast<int>(kBitHash))), 22);
    bit1 = _mm256_and_si256(b, _mm256_set1_epi32(31));
    bit2 = _mm256_srli_epi32(b, 5);
  } else {
    word = _mm256_srli_epi32(keys, 5);
    bit1 = bit2 = _mm256_and_si256(keys, _mm256_set1_epi32(31));
  }
  const __m256i words = _mm256_i32gather_epi32(reinterpret_cast<const int*>(bitmap), word, 4);
  const __m256i bits = _mm256_and_si256(_mm256_srlv_epi32(words, bit1), _mm256_srlv_epi32(words, bit2));
  unsigned hits = static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_slli_epi32(bits, 31))));
  while (hits) {
    c.window(g, p + pos[__builtin_ctz(hits)]);
    hits &= hits - 1;
  }
}

/// Positions [from, to) of one block; loads may read past `to` up to the
/// buffer's end `n`. `from` is a multiple of every step.
MUGAI_AVX2 void hashGroupAvx2(const Database& db, const HashGroup& g, const Confirm& c, std::size_t from,
                              std::size_t to) {
  const std::uint32_t* bitmap = db.bitmaps().data() + g.bitmapWord;
  const std::uint8_t* d = c.data();
  const std::size_t n = c.size();
  std::size_t p = from;
  static constexpr std::uint8_t kStride1[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  static constexpr std::uint8_t kStride2[8] = {0, 2, 4, 6, 8, 10, 12, 14};
  static constexpr std::uint8_t kStride4[8] = {0, 4, 8, 12, 16, 20, 24, 28};
  static constexpr std::uint8_t kStride8[8] = {0, 8, 32, 40, 16, 24, 48, 56};
  if (g.window == 2) {
    const __m128i ctl = _mm_setr_epi8(0, 1, -1, -1, 1, 2, -1, -1, 2, 3, -1, -1, 3, 4, -1, -1);
    for (; p + 8 <= to && p + 20 <= n; p += 8) probe(g, bitmap, c, windows(d + p, ctl, 4), p, kStride1);
  } else if (g.stride == 1) {
    const __m128i ctl = _mm_setr_epi8(0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6);
    for (; p + 8 <= to && p + 20 <= n; p += 8) probe(g, bitmap, c, windows(d + p, ctl, 4), p, kStride1);
  } else if (g.stride == 2) {
    const __m128i ctl = _mm_setr_epi8(0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7, 8, 9);
    for (; p + 16 <= to && p + 24 <= n; p += 16) probe(g, bitmap, c, windows(d + p, ctl, 8), p, kStride2);
  } else if (g.stride == 4) {
    for (; p + 32 <= to; p += 32)
      probe(g, bitmap, c, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(d + p)), p, kStride4);
  } else {
    for (; p + 64 <= to; p += 64) {
      const __m256 a = _mm256_castsi256_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(d + p)));
      const __m256 b = _mm256_castsi256_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(d + p + 32)));
      probe(g, bitmap, c, _mm256_castps_si256(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))), p, kStride8);
    }
  }
  hashGroupPortable(db, g, c, p, to);
}

MUGAI_AVX2 void teddyAvx2(const Database& db, const Confirm& c, std::size_t from, std::size_t to) {
  const TeddyRec& t = db.teddy();
  const std::uint32_t fp = t.fingerprint;
  if (fp == 0) return;
  __m256i lo[kTeddyMaxFingerprint], hi[kTeddyMaxFingerprint];
  for (std::uint32_t j = 0; j < fp; ++j) {
    lo[j] = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t.lo[j])));
    hi[j] = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t.hi[j])));
  }
  const __m256i nibble = _mm256_set1_epi8(0x0F);
  const std::uint8_t* d = c.data();
  std::size_t p = from;
  for (; p + 32 <= to && p + 32 + fp - 1 <= c.size(); p += 32) {
    __m256i res = _mm256_set1_epi8(-1);
    for (std::uint32_t j = 0; j < fp; ++j) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(d + p + j));
      const __m256i l = _mm256_shuffle_epi8(lo[j], _mm256_and_si256(v, nibble));
      const __m256i h = _mm256_shuffle_epi8(hi[j], _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
      res = _mm256_and_si256(res, _mm256_and_si256(l, h));
    }
    unsigned hits = ~static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(res, _mm256_setzero_si256())));
    if (!hits) continue;
    alignas(32) std::uint8_t masks[32];
    _mm256_store_si256(reinterpret_cast<__m256i*>(masks), res);
    while (hits) {
      const int k = __builtin_ctz(hits);
      c.teddy(p + k, masks[k]);
      hits &= hits - 1;
    }
  }
  teddyPortable(db, c, p, to);
}

void scanAvx2(const Database& db, const std::uint8_t* data, std::size_t size, const AtomSink& sink) {
  scanInBlocks(db, data, size, sink, hashGroupAvx2, teddyAvx2);
}

}  // namespace

const Kernel kAvx2Kernel{"avx2", scanAvx2};

}  // namespace mugai::match::detail
