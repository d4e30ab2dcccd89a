// Internal to core/match: the kernels (one per instruction set) and the
// exact confirm step they share.
//
// A kernel runs every filter of a database over one buffer and hands each
// candidate to Confirm, which checks the atom byte by byte (with its masks)
// and reports (atom, start). Kernels read only inside [data, data + size):
// the SIMD loops stop where a full vector would cross the end, and the
// portable loop finishes the tail, so no buffer padding is needed.
//
// Every kernel must report exactly the same set of (atom, start) pairs as
// the reference (test/core/match/kernels_test.cpp checks each kernel the CPU
// supports against it and against a brute-force search).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/match/database.h"

namespace mugai::match::detail {

/// Receives confirmed atom occurrences; start is relative to the buffer.
struct AtomSink {
  void (*fn)(void* ctx, std::uint32_t atom, std::uint64_t start);
  void* ctx;
  void operator()(std::uint32_t atom, std::uint64_t start) const { fn(ctx, atom, start); }
};

inline std::uint32_t load32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline std::uint64_t load64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

/// The exact check behind every filter.
class Confirm {
 public:
  Confirm(const Database& db, const std::uint8_t* data, std::size_t size, const AtomSink& sink)
      : db_(db), data_(data), size_(size), sink_(sink), atoms_(db.atoms().data()), atomData_(db.atomData().data()),
        entries_(db.entries().data()) {}

  /// Whether atom `id` matches at `start` (bounds checked).
  bool matches(std::uint32_t id, std::uint64_t start) const {
    const AtomRec& a = atoms_[id];
    if (start > size_ || a.length > size_ - start) return false;
    const std::uint8_t* v = atomData_ + a.dataOffset;
    const std::uint8_t* m = v + a.length;
    const std::uint8_t* d = data_ + start;
    std::uint32_t i = 0;
    for (; i + 8 <= a.length; i += 8)
      if ((load64(d + i) & load64(m + i)) != load64(v + i)) return false;
    for (; i < a.length; ++i)
      if ((d[i] & m[i]) != v[i]) return false;
    return true;
  }

  /// A hash-group bitmap hit at `pos` (the window's first byte).
  void window(const HashGroup& g, std::size_t pos) const {
    const std::uint32_t key = g.window == 2 ? data_[pos] | std::uint32_t{data_[pos + 1]} << 8 : load32(data_ + pos);
    const std::uint32_t b = g.window == 2 ? key : windowHash(key) >> (32 - g.bucketBits);
    const std::uint32_t* buckets = db_.buckets().data() + g.bucketFirst;
    const FilterEntry* e = entries_ + g.entryFirst;
    for (std::uint32_t i = buckets[b], end = buckets[b + 1]; i < end; ++i)
      if (e[i].key == key && pos >= e[i].offset && matches(e[i].atom, pos - e[i].offset))
        sink_(e[i].atom, pos - e[i].offset);
  }

  /// A Teddy hit at `pos` (the fingerprint's first byte) for the buckets in `mask`.
  void teddy(std::size_t pos, std::uint32_t mask) const {
    const TeddyRec& t = db_.teddy();
    const FilterEntry* e = entries_ + t.entryFirst;
    while (mask) {
      const int b = __builtin_ctz(mask);
      mask &= mask - 1;
      for (std::uint32_t i = t.bucketBegin[b]; i < t.bucketBegin[b + 1]; ++i)
        if (pos >= e[i].offset && matches(e[i].atom, pos - e[i].offset)) sink_(e[i].atom, pos - e[i].offset);
    }
  }

  std::size_t size() const { return size_; }
  const std::uint8_t* data() const { return data_; }

 private:
  const Database& db_;
  const std::uint8_t* data_;
  std::size_t size_;
  const AtomSink& sink_;
  const AtomRec* atoms_;
  const std::uint8_t* atomData_;
  const FilterEntry* entries_;
};

/// Portable filter loops over the positions [from, to) (reading up to the
/// buffer's end); the SIMD kernels call them for the part they leave.
void hashGroupPortable(const Database& db, const HashGroup& g, const Confirm& c, std::size_t from, std::size_t to);
void teddyPortable(const Database& db, const Confirm& c, std::size_t from, std::size_t to);

/// Kernels run every filter over one block of positions before the next
/// block, so a buffer larger than the caches is read from memory once, not
/// once per filter. A multiple of every stride and SIMD step.
inline constexpr std::size_t kBlockBytes = 16 * 1024;

/// Runs one kernel's filter loops over the buffer block by block.
template <typename HashGroupFn, typename TeddyFn>
void scanInBlocks(const Database& db, const std::uint8_t* data, std::size_t size, const AtomSink& sink,
                  HashGroupFn hashGroup, TeddyFn teddy) {
  const Confirm c(db, data, size, sink);
  for (std::size_t block = 0; block < size; block += kBlockBytes) {
    const std::size_t to = block + kBlockBytes < size ? block + kBlockBytes : size;
    for (const auto& g : db.hashGroups()) hashGroup(db, g, c, block, to);
    teddy(db, c, block, to);
  }
}

struct Kernel {
  std::string_view name;  ///< "reference", "portable", "ssse3", "avx2", "avx512"
  void (*scan)(const Database& db, const std::uint8_t* data, std::size_t size, const AtomSink& sink);
};

extern const Kernel kReferenceKernel;
extern const Kernel kPortableKernel;
extern const Kernel kSsse3Kernel;
extern const Kernel kAvx2Kernel;
extern const Kernel kAvx512Kernel;

}  // namespace mugai::match::detail
