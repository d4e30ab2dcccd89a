// Hands a sanitized message to the next hop: an SMTP server (the
// LGWAN-side mail server) or a local maildir (the embedded default).
// Reports per recipient whether it was delivered, should be retried, or
// failed for good. Never throws.
#pragma once

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
DeliveryResult deliver(const QueuedMessage& message, const std::vector<std::string>& recipients, const std::string& hop,
                       const DaemonConfig& config);

}  // namespace mugai::daemon
