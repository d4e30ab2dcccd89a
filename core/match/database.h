// The compiled signature database: one flat, position-independent blob that
// the matcher reads in place, whether it was just compiled in memory or
// mapped from a cache file (`mugai sigs compile DIR -o db.mugai`). Loading a
// cache file is an mmap plus a bounds check of every section and a CRC of
// the whole blob, so a daemon with 50k signatures starts in milliseconds and
// shares the pages with every other process that maps the same file.
//
// Model. Every variant of every part of every body signature is an *atom*:
// a byte pattern without gaps (duplicates shared). The filter finds atom
// candidates; the exact check confirms them; core/match/matcher.h turns
// confirmed atoms into signature matches (gaps, offsets).
//
// Filters, chosen per atom by its longest run of exact bytes (r):
//  - hash groups: for r >= 7, 4-byte windows hashed into a bitmap and read
//    every `stride` bytes (4 or 8): an atom whose run covers stride + 3
//    bytes holds exactly one window at a position that is a multiple of the
//    stride, so each occurrence is found once, with 1/stride of the lookups.
//    Atoms with shorter runs use stride 1 (r >= 4) or 2-byte windows.
//  - teddy: up to kTeddyMaxAtoms atoms with short runs share one Teddy
//    filter (nibble tables on a fingerprint of up to 4 bytes, 8 buckets),
//    which is cheaper than a stride-1 hash pass while the buckets stay sparse.
//
// Trust: a cache file is trusted as much as the config that names it
// (it is written by the operator's own `mugai sigs compile`), but a torn or
// corrupted one is refused by the size and CRC checks, never read out of
// bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "core/match/signature.h"

namespace mugai::match {

namespace detail {
struct AhoCorasick;
}

inline constexpr std::size_t kTeddyMaxAtoms = 48;
inline constexpr std::size_t kTeddyBuckets = 8;
inline constexpr std::size_t kTeddyMaxFingerprint = 4;

struct AtomRec {
  std::uint32_t dataOffset;  ///< into atomData: `length` values, then `length` masks
  std::uint32_t length;
  std::uint32_t refsBegin;   ///< into refs
  std::uint32_t refsCount;
  std::uint32_t anchorBegin;  ///< the run of exact bytes the filters use
  std::uint32_t anchorLength;
};

/// An atom is variant of part `part` of signature `sig`.
struct AtomRef {
  std::uint32_t sig;
  std::uint32_t part;
};

struct SigRec {
  std::uint32_t nameOffset;
  std::uint32_t nameLength;
  std::uint8_t kind;        ///< SigKind
  std::uint8_t target;
  std::uint8_t offsetKind;  ///< OffsetKind
  std::uint8_t simple;      ///< one part, offset Any: any atom hit is a match
  std::uint32_t partsBegin;
  std::uint32_t partsCount;
  std::uint32_t reserved;
  std::uint64_t offsetA;
  std::uint64_t offsetB;
};

struct PartRec {
  std::uint64_t gapMin;
  std::uint64_t gapMax;
};

/// One pass of the hash filter.
struct HashGroup {
  std::uint32_t stride;      ///< 1, 2, 4 or 8
  std::uint32_t window;      ///< 2 (key = the 2 bytes) or 4 (key = hashed 4 bytes)
  std::uint32_t bitmapBits;  ///< log2 of the bitmap's bits
  std::uint32_t bucketBits;  ///< log2 of the confirm table's buckets
  std::uint32_t bitmapWord;  ///< first u32 word in bitmaps
  std::uint32_t bucketFirst; ///< first entry in buckets (1 << bucketBits) + 1 of them
  std::uint32_t entryFirst;  ///< first entry in entries
  std::uint32_t entryCount;
};

/// A window of an atom: at a scanned position p holding `key`, the atom
/// would start at p - offset.
struct FilterEntry {
  std::uint32_t key;
  std::uint32_t atom;
  std::uint32_t offset;
};

struct TeddyRec {
  std::uint32_t fingerprint;  ///< bytes compared, 2..4 (0 = no Teddy filter)
  std::uint32_t entryFirst;   ///< into entries, sorted by bucket
  std::uint32_t bucketBegin[kTeddyBuckets + 1];  ///< relative to entryFirst
  std::uint8_t lo[kTeddyMaxFingerprint][16];    ///< bit b: bucket b allows this low nibble
  std::uint8_t hi[kTeddyMaxFingerprint][16];
};

struct HashRec {
  std::uint8_t digest[32];  ///< MD5 and SHA-1 are zero-padded
  std::uint64_t size;       ///< kAnySize for `*`
  std::uint32_t sig;
  std::uint32_t kind;       ///< SigKind
};

/// The figures `mugai sigs info` prints.
struct DatabaseInfo {
  std::size_t bodySignatures = 0, hashSignatures = 0, atoms = 0;
  std::size_t hashGroups = 0, teddyAtoms = 0, blobBytes = 0;
  std::string groups;  ///< e.g. "stride 4 x 4-byte windows: 9960 atoms; teddy: 40 atoms"
};

class Database {
 public:
  /// Compiles `set.signatures` (its errors are the caller's business).
  /// @return nullptr with `error` set when nothing could be compiled
  /// (e.g. more atoms than the format holds).
  static std::shared_ptr<const Database> compile(const SignatureSet& set, std::string& error);
  /// Maps a cache file written by save().
  /// @return nullptr with `error` ("not a mugai signature database",
  /// "truncated", "checksum mismatch", "version N, expected M") on failure.
  static std::shared_ptr<const Database> load(const std::filesystem::path& path, std::string& error);
  /// Writes the blob durably (temp file, fsync, rename).
  [[nodiscard]] bool save(const std::filesystem::path& path, std::string& error) const;
  /// Whether `path` starts like a cache file (and not like a signature text).
  static bool isCacheFile(const std::filesystem::path& path);

  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  std::span<const AtomRec> atoms() const { return atoms_; }
  std::span<const std::uint8_t> atomData() const { return atomData_; }
  std::span<const AtomRef> refs() const { return refs_; }
  std::span<const SigRec> sigs() const { return sigs_; }
  std::span<const PartRec> parts() const { return parts_; }
  std::span<const HashGroup> hashGroups() const { return groups_; }
  std::span<const std::uint32_t> bitmaps() const { return bitmaps_; }
  std::span<const std::uint32_t> buckets() const { return buckets_; }
  std::span<const FilterEntry> entries() const { return entries_; }
  const TeddyRec& teddy() const { return *teddy_; }
  std::span<const HashRec> hashes() const { return hashes_; }
  std::string_view name(std::uint32_t sig) const;
  /// The longest atom: a streaming scan keeps this many bytes minus one.
  std::uint32_t maxAtomLength() const { return maxAtomLength_; }
  /// Which digests hash signatures need (bit 1 << SigKind).
  std::uint32_t hashKinds() const { return hashKinds_; }
  /// The digest kinds (bit per SigKind) with a signature for a file of
  /// `size` bytes or of any size: the only digests worth computing for it
  /// (ClamAV hash signatures name the size).
  std::uint32_t hashKindsFor(std::uint64_t size) const;
  DatabaseInfo info() const;
  /// The reference kernel's automaton, built on first use (scalar.cpp).
  const detail::AhoCorasick& referenceAutomaton() const;

 private:
  Database() = default;
  [[nodiscard]] bool bind(std::string& error);

  std::unique_ptr<std::byte[]> owned_;
  void* map_ = nullptr;
  std::size_t size_ = 0;
  const std::byte* blob_ = nullptr;

  std::span<const AtomRec> atoms_;
  std::span<const std::uint8_t> atomData_;
  std::span<const AtomRef> refs_;
  std::span<const SigRec> sigs_;
  std::span<const PartRec> parts_;
  std::span<const char> names_;
  std::span<const HashGroup> groups_;
  std::span<const std::uint32_t> bitmaps_;
  std::span<const std::uint32_t> buckets_;
  std::span<const FilterEntry> entries_;
  const TeddyRec* teddy_ = nullptr;
  std::span<const HashRec> hashes_;
  std::uint32_t maxAtomLength_ = 0;
  std::uint32_t hashKinds_ = 0;
  mutable std::once_flag referenceOnce_;
  mutable std::unique_ptr<detail::AhoCorasick, void (*)(detail::AhoCorasick*)> reference_{nullptr, nullptr};
};
using DatabasePtr = std::shared_ptr<const Database>;

/// The hash of a 4-byte window (multiplicative; top bits are used): it
/// picks the window's confirm bucket and its bitmap word.
inline constexpr std::uint32_t kWordHash = 0x9E3779B1u;
/// A second multiplicative hash whose top 10 bits pick two bits inside the
/// word: the bitmap is a blocked Bloom filter with k = 2, so a probe is one
/// load and passes for a random key with probability about 1/128 at one
/// entry per word (a single bit per key would pass 1/32).
inline constexpr std::uint32_t kBitHash = 0x85EBCA77u;
inline std::uint32_t windowHash(std::uint32_t key) { return key * kWordHash; }

/// Whether `key` may be a window of the group (no false negatives).
inline bool bitmapHas(const std::uint32_t* bitmap, std::uint32_t window, std::uint32_t bitmapBits, std::uint32_t key) {
  if (window == 2) return bitmap[key >> 5] >> (key & 31) & 1;
  const std::uint32_t w = bitmap[windowHash(key) >> (32 - (bitmapBits - 5))];
  const std::uint32_t b = (key * kBitHash) >> 22;
  return (w >> (b & 31)) & (w >> (b >> 5)) & 1;
}

}  // namespace mugai::match
