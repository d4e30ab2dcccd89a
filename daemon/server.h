// mugaid's front half: the SMTP listener on asio with C++20 coroutines.
// Each connection runs an SmtpSession; a message is written to the spool
// (durably) before the 250 and handed to the Processor. Connections are
// capped in total and per client address; an idle client is dropped
// after command_timeout_seconds.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "daemon/daemon_config.h"
#include "daemon/metrics.h"
#include "daemon/settings.h"
#include "daemon/queue.h"

namespace mugai::daemon {

class Server {
 public:
  /// `onReceived` is called with the queue id of each spooled message.
  /// Listen address, TLS files and the metrics address come from the
  /// settings at construction; the rest is read anew for each session.
  Server(SettingsHolder& settings, Queue& queue, Metrics& metrics, std::function<void(const std::string&)> onReceived);
  ~Server();

  /// Binds the listener; returns "host:port" as bound (port 0 picks one).
  std::string bind();
  /// Binds the /metrics listener ([daemon] metrics_listen); returns "host:port", or "" when off.
  std::string bindMetrics();
  /// Serves until stop() (from another thread or a signal handler thread).
  void run(int threads);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mugai::daemon
