// Runs the built `mugai` binary as a user would, from a shell, and
// collects its exit code and output (stdout and stderr together).
#pragma once

#include <filesystem>
#include <string>

namespace mugai::test {

struct CliRun {
  int code;
  std::string out;
};

/// `mugai ARGS 2>&1` through /bin/sh; ARGS is shell text.
CliRun runCli(const std::string& args);

/// A fresh, empty directory under /tmp named after `tag` and the pid.
std::filesystem::path freshTempDir(const std::string& tag);

/// Writes `bytes` to `p`, creating parent directories.
void writeFile(const std::filesystem::path& p, const std::string& bytes);

}  // namespace mugai::test
