// test/tools/smtp_sink.py started for one test: a real SMTP peer on
// loopback that stores what it receives. Stopped by the destructor.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace mugai::test {

class SmtpSink {
 public:
  /// Starts the sink storing into `dir`; refuses RCPT for `rejectRecipients`.
  explicit SmtpSink(std::filesystem::path dir, std::vector<std::string> rejectRecipients = {}, int port = 0,
                    std::vector<std::string> extraArgs = {});
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  int port() const { return port_; }
  std::string hostPort() const { return "127.0.0.1:" + std::to_string(port_); }
  /// Messages received so far, in order (bytes after dot-unstuffing).
  std::vector<std::string> messages() const;
  /// Envelope of message `n` (1-based) as JSON text.
  std::string envelope(int n) const;

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace mugai::test
