// Runs the built `mugai` binary as a user would, from a shell, and
// collects its exit code and output (stdout and stderr together).
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace mugai::test {

struct CliRun {
  int code;
  std::string out;
};

/// `mugai ARGS 2>&1` through /bin/sh; ARGS is shell text.
CliRun runCli(const std::string& args);

/// `mugai ARGS` running in the background (stdout and stderr to `logFile`).
class BackgroundCli {
 public:
  BackgroundCli(const std::string& args, const std::filesystem::path& logFile);
  ~BackgroundCli();
  BackgroundCli(const BackgroundCli&) = delete;
  BackgroundCli& operator=(const BackgroundCli&) = delete;
  /// Sends `signal` and waits; returns the wait status.
  int stop(int signal);

 private:
  int pid_ = -1;
};

/// Polls `done` every 50 ms for up to `seconds`; returns its last answer.
bool waitFor(const std::function<bool()>& done, double seconds);

/// A fresh, empty directory under /tmp named after `tag` and the pid.
std::filesystem::path freshTempDir(const std::string& tag);

/// Writes `bytes` to `p`, creating parent directories.
void writeFile(const std::filesystem::path& p, const std::string& bytes);

}  // namespace mugai::test
