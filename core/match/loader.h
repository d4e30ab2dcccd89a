// Where a running mugai gets its signatures: the sample set built into the
// binary (samples/signatures: EICAR and the ClamAV test files), the
// operator's ClamAV-format files and directories, or one database compiled
// ahead with `mugai sigs compile` (mapped, not parsed).
//
// Loading is shared: every pipeline (one per worker thread, rebuilt on
// SIGHUP) asks loadShared(), which compiles a given source once and hands
// out the same database while its files are unchanged (path, size and
// mtime of every file). A reload after the files changed compiles the new
// database; the old one is freed when the last pipeline using it is gone.
#pragma once

#include <string>
#include <vector>

#include "core/match/database.h"
#include "core/match/signature.h"

namespace mugai::match {

struct SignatureSource {
  std::vector<std::string> paths;  ///< .ndb/.hdb/.hsb files, directories of them, or one .mugai database
  bool builtin = true;             ///< add the built-in sample set (ignored for a .mugai database)
  bool strict = false;             ///< any malformed line is an error, not a warning
};

/// The sample set compiled into mugai (samples/signatures/*).
SignatureSet builtinSignatures();

/// Parses and compiles (or maps) `source`. Bad lines are returned in
/// `warnings` (or make it fail when strict).
/// @return nullptr with `error` set: unreadable path, strict failure, a
/// damaged .mugai file, or a .mugai file mixed with other paths.
DatabasePtr loadDatabase(const SignatureSource& source, std::vector<SignatureError>& warnings, std::string& error);

/// loadDatabase() through the process-wide cache described above;
/// warnings are returned only by the call that compiled.
DatabasePtr loadShared(const SignatureSource& source, std::vector<SignatureError>& warnings, std::string& error);

}  // namespace mugai::match
