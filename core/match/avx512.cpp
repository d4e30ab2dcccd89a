// The AVX-512 kernel (F + BW + VBMI): the AVX2 kernel's filters, sixteen
// window keys or 64 Teddy positions per step. VBMI's vpermb cuts the
// stride-1 and stride-2 windows out of one 64-byte load; stride 8 takes the
// even dwords of two loads with one vpermt2d. See avx2.cpp for the layout.
// Loops stop where a full load would pass the end; the portable loop
// finishes the tail.
// GCC 12's AVX-512 headers start intrinsics from _mm512_undefined_epi32(),
// which -Wmaybe-uninitialized reports inside the header (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>

#include "core/match/kernels.h"

namespace mugai::match::detail {
namespace {

#define MUGAI_AVX512 __attribute__((target("avx512f,avx512bw,avx512vbmi,bmi,bmi2,popcnt")))

MUGAI_AVX512 inline void probe(const HashGroup& g, const std::uint32_t* bitmap, const Confirm& c, __m512i keys,
                               std::size_t p, std::size_t step) {
  __m512i word, bit1, bit2;
  if (g.window == 4) {
    word = _mm512_srl_epi32(_mm512_mullo_epi32(keys, _mm512_set1_epi32(static_cast<int>(kWordHash))),
                            _mm_cvtsi32_si128(static_cast<int>(32 - (g.bitmapBits - 5))));
    const __m512i b = _mm512_srli_epi32(_mm512_mullo_epi32(keys, _mm512_set1_epi32(static_cast<int>(kBitHash))), 22);
    bit1 = _mm512_and_si512(b, _mm512_set1_epi32(31));
    bit2 = _mm512_srli_epi32(b, 5);
  } else {
    word = _mm512_srli_epi32(keys, 5);
    bit1 = bit2 = _mm512_and_si512(keys, _mm512_set1_epi32(31));
  }
  const __m512i words = _mm512_i32gather_epi32(word, bitmap, 4);
  const __m512i bits = _mm512_and_si512(_mm512_srlv_epi32(words, bit1), _mm512_srlv_epi32(words, bit2));
  unsigned hits = _mm512_test_epi32_mask(bits, _mm512_set1_epi32(1));
  while (hits) {
    c.window(g, p + step * static_cast<std::size_t>(__builtin_ctz(hits)));
    hits &= hits - 1;
  }
}

/// vpermb control: dword i takes bytes [i*step, i*step + width) of the load.
MUGAI_AVX512 inline __m512i windowControl(int step, int width) {
  alignas(64) std::uint8_t idx[64];
  for (int i = 0; i < 16; ++i)
    for (int k = 0; k < 4; ++k) idx[i * 4 + k] = static_cast<std::uint8_t>(k < width ? i * step + k : 63);
  return _mm512_load_si512(idx);
}

/// Positions [from, to) of one block; loads may read past `to` up to the
/// buffer's end `n`. `from` is a multiple of every step.
MUGAI_AVX512 void hashGroupAvx512(const Database& db, const HashGroup& g, const Confirm& c, std::size_t from,
                                  std::size_t to) {
  const std::uint32_t* bitmap = db.bitmaps().data() + g.bitmapWord;
  const std::uint8_t* d = c.data();
  const std::size_t n = c.size();
  std::size_t p = from;
  if (g.window == 2 || g.stride <= 2) {
    const int step = static_cast<int>(g.stride);
    const __m512i ctl = windowControl(step, static_cast<int>(g.window));
    // Two-byte windows: the unused key bytes took byte 63; clear them.
    const __m512i keep = _mm512_set1_epi32(g.window == 2 ? 0xFFFF : -1);
    for (; p + 16 * step <= to && p + 64 <= n; p += 16 * step) {
      const __m512i v = _mm512_loadu_si512(d + p);
      probe(g, bitmap, c, _mm512_and_si512(_mm512_permutexvar_epi8(ctl, v), keep), p, step);
    }
  } else if (g.stride == 4) {
    for (; p + 64 <= to; p += 64) probe(g, bitmap, c, _mm512_loadu_si512(d + p), p, 4);
  } else {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for (; p + 128 <= to; p += 128)
      probe(g, bitmap, c, _mm512_permutex2var_epi32(_mm512_loadu_si512(d + p), even, _mm512_loadu_si512(d + p + 64)),
            p, 8);
  }
  hashGroupPortable(db, g, c, p, to);
}

MUGAI_AVX512 void teddyAvx512(const Database& db, const Confirm& c, std::size_t from, std::size_t to) {
  const TeddyRec& t = db.teddy();
  const std::uint32_t fp = t.fingerprint;
  if (fp == 0) return;
  __m512i lo[kTeddyMaxFingerprint], hi[kTeddyMaxFingerprint];
  for (std::uint32_t j = 0; j < fp; ++j) {
    lo[j] = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t.lo[j])));
    hi[j] = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t.hi[j])));
  }
  const __m512i nibble = _mm512_set1_epi8(0x0F);
  const std::uint8_t* d = c.data();
  std::size_t p = from;
  for (; p + 64 <= to && p + 64 + fp - 1 <= c.size(); p += 64) {
    __m512i res = _mm512_set1_epi8(-1);
    for (std::uint32_t j = 0; j < fp; ++j) {
      const __m512i v = _mm512_loadu_si512(d + p + j);
      const __m512i l = _mm512_shuffle_epi8(lo[j], _mm512_and_si512(v, nibble));
      const __m512i h = _mm512_shuffle_epi8(hi[j], _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble));
      res = _mm512_and_si512(res, _mm512_and_si512(l, h));
    }
    std::uint64_t hits = _mm512_test_epi8_mask(res, res);
    if (!hits) continue;
    alignas(64) std::uint8_t masks[64];
    _mm512_store_si512(masks, res);
    while (hits) {
      const int k = __builtin_ctzll(hits);
      c.teddy(p + k, masks[k]);
      hits &= hits - 1;
    }
  }
  teddyPortable(db, c, p, to);
}

void scanAvx512(const Database& db, const std::uint8_t* data, std::size_t size, const AtomSink& sink) {
  scanInBlocks(db, data, size, sink, hashGroupAvx512, teddyAvx512);
}

}  // namespace

const Kernel kAvx512Kernel{"avx512", scanAvx512};

}  // namespace mugai::match::detail
