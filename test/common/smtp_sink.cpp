// See smtp_sink.h.
#include "test/common/smtp_sink.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>

#include "test/common/corpus.h"

namespace mugai::test {

SmtpSink::SmtpSink(std::filesystem::path dir, std::vector<std::string> reject, int port, std::vector<std::string> extra)
    : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::string script = std::string(MUGAI_SOURCE_DIR) + "/test/tools/smtp_sink.py";
  std::vector<std::string> args{"python3", script, dir_.string()};
  for (auto& e : extra) args.push_back(e);
  if (port > 0) {
    args.push_back("--port");
    args.push_back(std::to_string(port));
  }
  for (auto& r : reject) {
    args.push_back("--reject-rcpt");
    args.push_back(r);
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp("python3", argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  FILE* f = ::fdopen(fds[0], "r");
  char line[32] = {};
  if (!f || !std::fgets(line, sizeof line, f)) throw std::runtime_error("smtp_sink.py did not start");
  std::fclose(f);
  port_ = std::atoi(line);
}

SmtpSink::~SmtpSink() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::vector<std::string> SmtpSink::messages() const {
  std::vector<std::string> out;
  for (int n = 1; std::filesystem::exists(dir_ / (std::to_string(n) + ".json")); ++n)
    out.push_back(readFile(dir_ / (std::to_string(n) + ".eml")));
  return out;
}

std::string SmtpSink::envelope(int n) const { return readFile(dir_ / (std::to_string(n) + ".json")); }

}  // namespace mugai::test
