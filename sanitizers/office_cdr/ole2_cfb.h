// A bounded structural check of a Compound File (MS-CFB) before libgsf
// reads it. libgsf builds its whole directory tree when the file is opened,
// recursing once per sibling link and inserting every child into a sorted
// list: a hostile directory (100k entries in one degenerate chain, a cycle)
// would cost it deep recursion and quadratic time before we can count
// anything. This pass reads only the header, the FAT sectors and the
// directory chain, iteratively, and says whether libgsf may be given the file.
// Trust: the bytes are hostile. Every sector index is checked against the
// file's length; every chain is followed with a visited set. Never throws.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mugai::sanitizers::office_cdr {

/// What the structural check found.
struct CfbCheck {
  bool ok = false;         ///< libgsf may open the file
  bool tooMany = false;    ///< refused for its number of directory entries (a limit, not damage)
  std::string problem;     ///< when !ok: what is wrong, English, one line
  std::size_t entries = 0; ///< directory entries reachable from the root
  /// Names of the root's children (UTF-16 code units above 0x7F as '?').
  std::vector<std::string> rootNames;
};

/// Checks the header, the FAT, the directory chain and the directory tree
/// of `bytes` (a file starting with the OLE2 magic).
/// @param maxEntries entries reachable from the root beyond which the file
///        is refused (tooMany).
/// At most 2048 entries may share one storage: libgsf sorts each storage's
/// children by insertion into a list (quadratic; 10,000 siblings cost it
/// 0.7 s), so siblings past that are refused as a limit too.
/// @param maxTreeDepth longest chain of sibling/child links from the root
///        (the recursion depth libgsf would reach) beyond which it is refused.
/// @return ok, or the first problem found: bad header, FAT sector out of the
///         file, a loop in the FAT or DIFAT chain, a directory cycle.
[[nodiscard]] CfbCheck checkCompoundFile(std::string_view bytes, std::size_t maxEntries, std::size_t maxTreeDepth);

}  // namespace mugai::sanitizers::office_cdr
