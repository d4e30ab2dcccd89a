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

/// `COMMAND 2>&1` through /bin/sh (COMMAND is shell text): exit code and output.
CliRun runCommand(const std::string& command);
/// `mugai ARGS 2>&1` through /bin/sh; ARGS is shell text.
CliRun runCli(const std::string& args);
/// The shell text that runs `mugai ARGS`.
std::string cliCommand(const std::string& args);

/// A shell COMMAND running in the background, stdout and stderr to
/// `logFile`; killed (SIGKILL) on destruction if still running.
class Background {
 public:
  Background(const std::string& command, const std::filesystem::path& logFile);
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  /// Sends `signal` without waiting.
  void signal(int signal) const;
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
