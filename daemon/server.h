// mugaid's front half: the SMTP listener on asio with C++20 coroutines.
// Each connection runs an SmtpSession. A complete message goes to a small
// pool of message threads, never handled on the network loop: after-queue,
// it is written to the spool (durably) and handed to the Processor before
// the 250; before-queue, the Processor sanitizes it and its verdict is the
// reply. Meanwhile the session holds what the client pipelines. Connections are
// capped in total and per client address; an idle client is dropped
// after command_timeout_seconds.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "daemon/daemon_config.h"
#include "daemon/metrics.h"
#include "daemon/settings.h"
#include "daemon/message_body.h"
#include "daemon/queue.h"

namespace mugai::daemon {

class Server {
 public:
  /// What the server hands a complete message to.
  struct Handlers {
    /// After-queue: called with the queue id of each spooled message.
    std::function<void(const std::string& id)> received;
    /// Before-queue: sanitizes the message under the given id and returns
    /// the reply line (blocks; runs on the server's message threads).
    std::function<std::string(const std::string& id, Envelope envelope, MessageBody body)> beforeQueue;
  };
  /// Listen address, TLS files and the metrics address come from the
  /// settings at construction; the rest (mode included) is read anew for
  /// each session.
  Server(SettingsHolder& settings, Queue& queue, Metrics& metrics, Handlers handlers);
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
