// The portable kernel: the same filters as the SIMD kernels, one position at
// a time. It is what a CPU without SSSE3 runs, and it finishes the tail
// that the SIMD loops leave at the end of a buffer.
#include <algorithm>

#include "core/match/kernels.h"

namespace mugai::match::detail {

void hashGroupPortable(const Database& db, const HashGroup& g, const Confirm& c, std::size_t from, std::size_t to) {
  const std::uint32_t* bitmap = db.bitmaps().data() + g.bitmapWord;
  const std::uint8_t* d = c.data();
  // Positions stop at `to`; a window may read past it, up to the buffer's end.
  const std::size_t n = std::min(to + g.window - 1, c.size());
  // Start on the group's stride phase (positions that are multiples of it).
  std::size_t p = (from + g.stride - 1) / g.stride * g.stride;
  const std::size_t s = g.stride;
  const std::uint32_t w = g.window, bits = g.bitmapBits;
  auto key = [&](std::size_t at) { return w == 2 ? std::uint32_t{d[at]} | std::uint32_t{d[at + 1]} << 8 : load32(d + at); };
  // Four lookups per branch: hits are rare, so one test for four keeps the
  // loop free of mispredictions.
  for (; p + 3 * s + 4 <= n; p += 4 * s) {
    const bool h0 = bitmapHas(bitmap, w, bits, key(p)), h1 = bitmapHas(bitmap, w, bits, key(p + s));
    const bool h2 = bitmapHas(bitmap, w, bits, key(p + 2 * s)), h3 = bitmapHas(bitmap, w, bits, key(p + 3 * s));
    if (h0 | h1 | h2 | h3) {
      if (h0) c.window(g, p);
      if (h1) c.window(g, p + s);
      if (h2) c.window(g, p + 2 * s);
      if (h3) c.window(g, p + 3 * s);
    }
  }
  for (; p + w <= n; p += s)
    if (bitmapHas(bitmap, w, bits, key(p))) c.window(g, p);
}

void teddyPortable(const Database& db, const Confirm& c, std::size_t from, std::size_t to) {
  const TeddyRec& t = db.teddy();
  const std::uint32_t fp = t.fingerprint;
  if (fp == 0) return;
  // The nibble tables folded into one 256-entry table per fingerprint byte:
  // the same bucket masks the shuffles compute, one load per byte.
  std::uint8_t table[kTeddyMaxFingerprint][256];
  for (std::uint32_t j = 0; j < fp; ++j)
    for (int b = 0; b < 256; ++b) table[j][b] = t.lo[j][b & 15] & t.hi[j][b >> 4];
  const std::uint8_t* d = c.data();
  for (std::size_t p = from; p < to && p + fp <= c.size(); ++p) {
    std::uint32_t m = table[0][d[p]];
    for (std::uint32_t j = 1; j < fp && m; ++j) m &= table[j][d[p + j]];
    if (m) c.teddy(p, m);
  }
}

namespace {

void scanPortable(const Database& db, const std::uint8_t* data, std::size_t size, const AtomSink& sink) {
  scanInBlocks(db, data, size, sink, hashGroupPortable, teddyPortable);
}

}  // namespace

const Kernel kPortableKernel{"portable", scanPortable};

}  // namespace mugai::match::detail
