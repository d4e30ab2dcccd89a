// Delivery status notifications (RFC 3464): the message mugaid sends back
// to the sender when a recipient failed for good, the message expired in
// the queue, or policy refused it after it was accepted. Sent from the null
// sender, never to the null sender (RFC 5321 4.5.5), and it carries only
// the original's header block (text/rfc822-headers), never its content:
// a bounce must not carry the attachment we just removed back out.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "daemon/queue.h"

namespace mugai::daemon {

struct FailedRecipient {
  std::string address;
  std::string status;     ///< RFC 3463 code, e.g. "5.1.1"
  std::string diagnostic; ///< the remote reply or our reason
};

/// The DSN message (headers and body, CRLF lines) for `original`.
std::string buildDsn(const QueuedMessage& original, const std::vector<FailedRecipient>& failed,
                     const std::string& reportingHost, const std::string& dsnId, std::int64_t now);

/// The RFC 3463 status in an SMTP reply ("550 5.1.1 ..." -> "5.1.1"), or `fallback`.
std::string statusOfReply(const std::string& reply, const std::string& fallback);

}  // namespace mugai::daemon
