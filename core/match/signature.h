// Signatures as sites already keep them: ClamAV body signatures (.ndb) and
// whole-file hashes (.hdb MD5, .hsb SHA-256 or SHA-1), read from files or
// directories into one neutral model that core/match/database.h compiles.
//
// Trust: signature files come from the operator (or a feed the operator
// installed), not from mail, but they are still parsed defensively: every
// malformed line is an error naming the file and line, and one bad line
// never drops the others (unless the caller asks for strict loading).
//
// Supported body syntax (ClamAV "Body-based signature content format"):
//   hex bytes, `??` any byte, `a?` / `?a` nibbles, `*` any gap,
//   `{n}` `{-n}` `{n-}` `{n-m}` gaps, `(aa|bb|ccdd)` alternatives.
// Offsets: `*`, `n`, `n,m` (start within n..n+m), `EOF-n`.
// Not supported (the line is an error): negated alternatives `!(..)`,
// anchored bytes `[n-m]`, boundary markers `(B)` `(L)`, and offsets
// relative to a PE/ELF entry point or section (EP+n, Sx+n, SEx, VI).
// Target types: every type is matched against the raw bytes of every leaf;
// ClamAV's normalisation for types 3 (HTML) and 7 (ASCII text) is not done,
// so such signatures may hit less often than in ClamAV.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mugai::match {

enum class SigKind : std::uint8_t { Body = 0, Md5 = 1, Sha1 = 2, Sha256 = 3 };
enum class OffsetKind : std::uint8_t {
  Any = 0,      ///< anywhere
  Exact = 1,    ///< the signature starts at offsetA
  Range = 2,    ///< the signature starts within [offsetA, offsetA + offsetB]
  FromEnd = 3,  ///< the signature starts at size - offsetA
};

inline constexpr std::uint64_t kUnbounded = std::numeric_limits<std::uint64_t>::max();
/// `.hdb`/`.hsb` size field `*`: any size.
inline constexpr std::uint64_t kAnySize = std::numeric_limits<std::uint64_t>::max();

/// One position of a body pattern: it matches byte b when (b & mask) == value.
struct PatternByte {
  std::uint8_t value = 0;
  std::uint8_t mask = 0xFF;  ///< 0xFF exact, 0xF0 / 0x0F one nibble, 0x00 any byte
  bool operator==(const PatternByte&) const = default;
};
using Pattern = std::vector<PatternByte>;

/// A run of the signature between two variable gaps. Alternatives are
/// expanded: the part matches where any of its variants matches.
struct SigPart {
  std::uint64_t gapMin = 0;  ///< bytes between the previous part's end and this part's start
  std::uint64_t gapMax = 0;  ///< kUnbounded for `*` and `{n-}`; unused for the first part
  std::vector<Pattern> variants;
};

struct Signature {
  std::string name;
  SigKind kind = SigKind::Body;
  std::uint8_t target = 0;  ///< ClamAV target type (0 = any); recorded, see the file comment
  OffsetKind offsetKind = OffsetKind::Any;
  std::uint64_t offsetA = 0;
  std::uint64_t offsetB = 0;
  std::vector<SigPart> parts;        ///< Body
  std::vector<std::uint8_t> digest;  ///< Md5 / Sha1 / Sha256
  std::uint64_t size = kAnySize;     ///< hashes: the file size, or kAnySize
  std::string origin;                ///< "FILE:LINE", for messages
};

struct SignatureError {
  std::string where;  ///< "FILE:LINE" or "FILE"
  std::string message;
  bool wholeFile = false;  ///< the file or directory could not be read at all
};

struct SignatureSet {
  std::vector<Signature> signatures;
  std::vector<SignatureError> errors;
  std::vector<std::string> files;  ///< files read, in order
};

/// Longest a part variant may be, and most variants one part may expand to.
inline constexpr std::size_t kMaxPatternBytes = 4096;
inline constexpr std::size_t kMaxVariants = 256;
/// A `{n}` gap longer than this splits the part instead of becoming `??` bytes.
inline constexpr std::uint64_t kMaxInlineGap = 64;

/// Parses one `.ndb` line (Name:Target:Offset:Hex[:flevels]).
/// @return the signature, or nullopt with `error` set.
std::optional<Signature> parseNdbLine(std::string_view line, std::string& error);

/// Parses one `.hdb` (MD5:size:Name) or `.hsb` (SHA256|SHA1:size:Name) line.
std::optional<Signature> parseHashLine(std::string_view line, std::string& error);

/// Parses the lines of one signature file's text into `set` (`ndb` true for
/// body signatures, false for hashes). Errors and origins are named
/// "NAME:LINE". Comment lines (`#`), blank lines and CRLF endings are fine.
void parseSignatureText(std::string_view text, bool ndb, const std::string& name, SignatureSet& set);

/// Reads signature files (`.ndb`, `.hdb`, `.hsb`) and directories of them
/// (not recursive; other extensions in a directory are skipped). A path that
/// cannot be read, or a file given by name with another extension, is an
/// error. Comment lines (`#`) and blank lines are skipped.
SignatureSet loadSignatures(const std::vector<std::filesystem::path>& paths);

/// The longest run of exact bytes in `p`: [begin, begin + length).
struct FixedRun {
  std::size_t begin = 0;
  std::size_t length = 0;
};
FixedRun bestFixedRun(const Pattern& p);

}  // namespace mugai::match
