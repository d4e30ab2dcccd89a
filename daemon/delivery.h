// Hands a sanitized message to the next hop: an SMTP server (the
// LGWAN-side mail server) or a local maildir (the embedded default).
// Reports per recipient whether it was delivered, should be retried, or
// failed for good. Never throws.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "daemon/daemon_config.h"
#include "daemon/queue.h"

namespace mugai::daemon {

enum class RecipientOutcome { Delivered, Deferred, Failed };

struct RecipientResult {
  std::string address;
  RecipientOutcome outcome;
  std::string reply;  ///< the reply that decided it (RCPT refusal, DATA reply, or local error)
};

struct DeliveryResult {
  std::vector<RecipientResult> recipients;
  std::string detail;  ///< the remote reply or the local error, for the log
};

/// Delivers to `recipients`, all routed to `hop` ("maildir:DIR" or "smtp:HOST:PORT").
/// SMTP connections are reused (as Postfix's connection cache): each thread
/// keeps its connection to a next hop open for next_hop_reuse_seconds after
/// a message, at most kReuseLife in all, and a connection the next hop has
/// closed meanwhile is replaced without a deferral.
DeliveryResult deliver(const QueuedMessage& message, const std::vector<std::string>& recipients, const std::string& hop,
                       const DaemonConfig& config);

inline constexpr std::chrono::seconds kReuseLife{300};

/// Closes (QUIT) this thread's cached connections idle for `idle` or
/// longer. Workers call it when they have nothing to do, and with 0 when they stop.
void closeIdleConnections(std::chrono::seconds idle);

}  // namespace mugai::daemon
