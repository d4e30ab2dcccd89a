// The portable kernel: the same filters as the SIMD kernels, one position at
// a time. It is what a CPU without SSSE3 runs, and it finishes the tail
// that the SIMD loops leave at the end of a buffer.
#include "core/match/kernels.h"

namespace mugai::match::detail {

void hashGroupPortable(const Database& db, const HashGroup& g, const Confirm& c, std::size_t from) {
  const std::uint32_t* bitmap = db.bitmaps().data() + g.bitmapWord;
  const std::uint8_t* d = c.data();
  const std::size_t n = c.size();
  // Start on the group's stride phase (positions that are multiples of it).
  std::size_t p = (from + g.stride - 1) / g.stride * g.stride;
  if (g.window == 2) {
    for (; p + 2 <= n; p += g.stride) {
      const std::uint32_t k = d[p] | std::uint32_t{d[p + 1]} << 8;
      if (bitmap[k >> 5] >> (k & 31) & 1) c.window(g, p);
    }
    return;
  }
  const std::uint32_t shift = 32 - g.bitmapBits;
  const std::size_t s = g.stride;
  // Four lookups per branch: hits are rare, so one test for four keeps the
  // loop free of mispredictions.
  for (; p + 3 * s + 4 <= n; p += 4 * s) {
    const std::uint32_t h0 = windowHash(load32(d + p)) >> shift, h1 = windowHash(load32(d + p + s)) >> shift;
    const std::uint32_t h2 = windowHash(load32(d + p + 2 * s)) >> shift,
                        h3 = windowHash(load32(d + p + 3 * s)) >> shift;
    const std::uint32_t b0 = bitmap[h0 >> 5] >> (h0 & 31), b1 = bitmap[h1 >> 5] >> (h1 & 31);
    const std::uint32_t b2 = bitmap[h2 >> 5] >> (h2 & 31), b3 = bitmap[h3 >> 5] >> (h3 & 31);
    if ((b0 | b1 | b2 | b3) & 1) {
      if (b0 & 1) c.window(g, p);
      if (b1 & 1) c.window(g, p + s);
      if (b2 & 1) c.window(g, p + 2 * s);
      if (b3 & 1) c.window(g, p + 3 * s);
    }
  }
  for (; p + 4 <= n; p += s) {
    const std::uint32_t h = windowHash(load32(d + p)) >> shift;
    if (bitmap[h >> 5] >> (h & 31) & 1) c.window(g, p);
  }
}

void teddyPortable(const Database& db, const Confirm& c, std::size_t from) {
  const TeddyRec& t = db.teddy();
  const std::uint32_t fp = t.fingerprint;
  if (fp == 0) return;
  // The nibble tables folded into one 256-entry table per fingerprint byte:
  // the same bucket masks the shuffles compute, one load per byte.
  std::uint8_t table[kTeddyMaxFingerprint][256];
  for (std::uint32_t j = 0; j < fp; ++j)
    for (int b = 0; b < 256; ++b) table[j][b] = t.lo[j][b & 15] & t.hi[j][b >> 4];
  const std::uint8_t* d = c.data();
  for (std::size_t p = from; p + fp <= c.size(); ++p) {
    std::uint32_t m = table[0][d[p]];
    for (std::uint32_t j = 1; j < fp && m; ++j) m &= table[j][d[p + j]];
    if (m) c.teddy(p, m);
  }
}

namespace {

void scanPortable(const Database& db, const std::uint8_t* data, std::size_t size, const AtomSink& sink) {
  const Confirm c(db, data, size, sink);
  for (const auto& g : db.hashGroups()) hashGroupPortable(db, g, c, 0);
  teddyPortable(db, c, 0);
}

}  // namespace

const Kernel kPortableKernel{"portable", scanPortable};

}  // namespace mugai::match::detail
