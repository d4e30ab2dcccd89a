// mugaid for the end-to-end tests: a daemon in the background with a
// config of its own in a test directory (quarantine, spool, maildir).
#pragma once

#include <catch2/catch_test_macros.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "test/common/cli_run.h"
#include "test/common/corpus.h"

namespace mugai::test {

// mugaid in the background with a config of its own; stops on destruction.
class Mugaid {
 public:
  /// `environment`: shell assignments put before the command ("NAME=value ...");
  /// `quarantineKeys`: more [quarantine] keys (a shared store: backend, dsn).
  Mugaid(const std::filesystem::path& dir, const std::string& extraDaemonKeys = "", const std::string& environment = "",
         const std::string& quarantineKeys = "")
      : dir_(dir), environment_(environment), quarantineKeys_(quarantineKeys) {
    writeConfig(extraDaemonKeys);
    start();
  }
  /// (Re)writes mugaid.toml: the test's quarantine, spool and maildir plus
  /// `extraDaemonKeys` (a `listen` there replaces 127.0.0.1:0).
  void writeConfig(const std::string& extraDaemonKeys) {
    const bool listens = ("\n" + extraDaemonKeys).find("\nlisten =") != std::string::npos;
    writeFile(dir_ / "mugaid.toml",
              "[quarantine]\ndir = \"" + (dir_ / "q").string() + "\"\n" + quarantineKeys_ + "[daemon]\n" +
                  (listens ? "" : "listen = \"127.0.0.1:0\"\n") + "spool_dir = \"" + (dir_ / "spool").string() + "\"\n" +
                  (("\n" + extraDaemonKeys).find("\ndelivery =") == std::string::npos
                       ? "delivery = \"maildir:" + (dir_ / "maildir").string() + "\"\n"
                       : std::string()) +
                  extraDaemonKeys);
  }
  void signal(int sig) const { process_->signal(sig); }

  void start() {
    log_ = dir_ / ("log" + std::to_string(++starts_));
    process_.emplace((environment_.empty() ? "" : "env " + environment_ + " ") + std::string(MUGAI_DAEMON) + " -c " +
                         (dir_ / "mugaid.toml").string(),
                     log_);
    REQUIRE(waitFor([&] { return port() > 0; }, 15));
  }
  int stop(int signal) { return process_ ? process_->stop(signal) : -1; }
  int port() const {
    std::ifstream f(log_);
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::smatch m;
    return std::regex_search(text, m, std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)")) ? std::stoi(m[1]) : 0;
  }
  std::filesystem::path config() const { return dir_ / "mugaid.toml"; }
  std::string log() const { return std::filesystem::exists(log_) ? readFile(log_) : ""; }
  std::vector<std::string> delivered(const std::string& rcpt) const {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator(dir_ / "maildir" / rcpt / "new", ec)) out.push_back(readFile(e.path()));
    return out;
  }

 private:
  std::filesystem::path dir_, log_;
  std::string environment_, quarantineKeys_;
  std::optional<Background> process_;
  int starts_ = 0;
};

// The pid of the mugaid whose config lives in `dir` (read from /proc).
int mugaidPid(const std::filesystem::path& dir);

/// The pids of `pid`'s children (from /proc/PID/task/*/children).
std::vector<int> childrenOf(int pid);

}  // namespace mugai::test
