// Python's `email` package as an outside judge of the messages we write
// (test/tools/email_judge.py says which of its defects count as structural
// and why). Our own parser reading our own writer back proves less: both
// could share a mistake.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace mugai::test {

/// How Python's email package read one message.
struct PythonReading {
  std::vector<std::string> defects;  ///< structural defects, e.g. "StartBoundaryNotFoundDefect"
  std::vector<std::string> parts;    ///< "type/subtype" or "type/subtype:filename", depth-first
  /// True when some part's content type and file name line is exactly `part`.
  bool hasPart(const std::string& part) const;
  /// True when some part's file name is `filename`.
  bool hasFile(const std::string& filename) const;
};

/// Every file in `dir` read by one python3 process; keyed by file name.
/// Fails the test when python3 does not answer for every file.
std::map<std::string, PythonReading> readWithPython(const std::filesystem::path& dir);
/// One message, held in memory.
PythonReading readWithPython(const std::string& message);

/// test/tools/rtf_judge.py over one RTF document: the active elements it
/// still finds, comma-separated ("" when none). Fails the test when python3
/// does not answer.
std::string judgeRtf(const std::string& rtf);

}  // namespace mugai::test
