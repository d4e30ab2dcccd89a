// The signature matcher: finds every signature of a compiled database
// (core/match/database.h) in a buffer, or in a stream of chunks.
//
// Two steps. A kernel (SIMD filter + exact confirm, chosen once per process
// by CPU, see kernels.h) reports every occurrence of every atom. The
// matcher then decides which signatures those occurrences complete: a
// one-part signature matches at once; a signature with gaps or an offset
// keeps its occurrences until the end and is evaluated in order (each part
// must start within its gap after some earlier part's end). Whole-file
// hashes (.hdb/.hsb) are computed only for the digest kinds the database
// holds.
//
// Streaming gives the same result as one block scan of the concatenation:
// the last maxAtomLength - 1 bytes are kept and scanned again with the next
// chunk, and only occurrences that end in the new chunk are reported.
//
// Limits: at most kMaxPartials pending occurrences of multi-part signatures
// per scan; past that the result is marked `overflow` and the caller fails
// closed (a hostile file cannot hide a signature behind a flood of partial
// matches). One Matcher per thread: it holds scratch; the Database is shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

#include "core/match/database.h"

namespace mugai::match {

namespace detail {
struct Kernel;
}

inline constexpr std::size_t kMaxPartials = std::size_t{1} << 22;

struct [[nodiscard]] MatchResult {
  std::vector<std::uint32_t> signatures;  ///< database ids, ascending, each once
  bool overflow = false;                  ///< too many partial matches: incomplete, fail closed
};

/// The kernels this CPU can run, fastest first (e.g. avx512, avx2, portable,
/// reference).
std::vector<std::string_view> supportedKernels();

/// The kernel new Matchers use: the fastest supported, or the one named by
/// the environment variable MUGAI_FORCE_ISA. Throws std::runtime_error when
/// MUGAI_FORCE_ISA names an unknown kernel or one this CPU cannot run.
std::string_view defaultKernel();

class Matcher {
 public:
  /// @param kernel a name from supportedKernels(), or "" for defaultKernel().
  /// Throws std::runtime_error for an unknown or unsupported kernel.
  explicit Matcher(DatabasePtr db, std::string_view kernel = {});
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  const Database& database() const { return *db_; }
  std::string_view kernel() const;

  /// Block mode: every signature found in `bytes`.
  MatchResult scan(std::span<const std::byte> bytes);
  MatchResult scan(std::string_view bytes) { return scan(std::as_bytes(std::span(bytes.data(), bytes.size()))); }

  /// Streaming mode: begin(), feed() each chunk in order, finish().
  void begin();
  void feed(std::span<const std::byte> chunk);
  MatchResult finish();

  /// Every occurrence (atom id, start) of every atom in `bytes`, in no
  /// particular order. For tests and the benchmark.
  void scanAtoms(std::span<const std::byte> bytes, const std::function<void(std::uint32_t, std::uint64_t)>& onAtom) const;
  /// Counts occurrences without a callback per hit (benchmark).
  std::uint64_t countAtoms(std::span<const std::byte> bytes) const;

 private:
  struct Partial {
    std::uint32_t sig;
    std::uint32_t part;
    std::uint64_t start;
    std::uint64_t end;
  };
  static void onAtom(void* self, std::uint32_t atom, std::uint64_t start);
  void scanBuffer(const std::uint8_t* data, std::size_t size, std::uint64_t base, std::size_t reportEndAfter,
                  std::size_t reportStartBefore);
  void evaluate(MatchResult& result);  // sorts partials_
  void clearScan();
  void updateDigests(std::span<const std::byte> bytes);
  bool chainMatches(const SigRec& sig, const Partial* first, const Partial* last) const;
  void matchHashes(MatchResult& result);

  DatabasePtr db_;
  const detail::Kernel* kernel_;
  // One scan's state.
  std::vector<std::uint8_t> matched_;  ///< per signature
  std::vector<std::uint32_t> matchedList_;
  std::vector<Partial> partials_;
  bool overflow_ = false;
  std::vector<std::uint8_t> carry_;
  std::uint64_t total_ = 0;
  std::uint64_t base_ = 0;
  std::size_t reportEndAfter_ = 0;
  std::size_t reportStartBefore_ = 0;
  EVP_MD_CTX* digests_[4] = {};  ///< by SigKind, for streaming
  std::uint32_t kinds_ = 0;      ///< the digests this scan computes (bit per SigKind)
  void beginWith(std::uint32_t kinds);
};

}  // namespace mugai::match
