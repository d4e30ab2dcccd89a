// Delivery status notifications (RFC 3464): the message mugaid sends back
// to the sender when a recipient failed for good, the message expired in
// the queue, or policy refused it after it was accepted. Sent from the null
// sender, never to the null sender (RFC 5321 4.5.5), and it carries only
// the original's header block (text/rfc822-headers, RFC 3462), never its
// content: a bounce must not carry the attachment we just removed back
// out. Of the header block, at most the first 16 KiB of whole fields go
// (a sender with 2 MB of header fields does not get 2 MB bounced to a
// third party whose address it forged). Who gets a DSN at all, and
// through which path, is decided by the Processor.
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

/// Header bytes a DSN carries at most.
inline constexpr std::size_t kDsnHeaderBytes = 16 * 1024;

/// The first kDsnHeaderBytes (whole fields) of `message`'s header block.
std::string headersForDsn(const std::string& message);

/// The RFC 3463 status in an SMTP reply ("550 5.1.1 ..." -> "5.1.1"), or `fallback`.
std::string statusOfReply(const std::string& reply, const std::string& fallback);

}  // namespace mugai::daemon
