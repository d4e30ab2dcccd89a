// Recipient verification (recipient_verification = "probe"): before a
// recipient gets 250, mugaid asks the next hop for it (MAIL FROM:<>,
// RCPT TO:<recipient>, RSET; nothing is delivered), as Postfix's
// reject_unverified_recipient does. Mail to an unknown user is then
// refused in the SMTP dialogue, while the client is still there, instead
// of being accepted and bounced later: no backscatter to forged senders.
//
// Results are cached per address (lower-cased): an accepted address for
// verify_positive_seconds, a refused one (5xx) for verify_negative_seconds.
// A temporary failure (4xx, no connection, timeout) is not cached and
// becomes 450 4.1.1 for the client, who tries again later; after one,
// that next hop is not asked again for kHopBackoff (every recipient routed
// there gets 450 at once), so a hop that does not answer cannot tie up the
// probe threads or be hammered by a flood of random names. Recipients
// routed to a maildir hop are local and are not probed. The remote reply
// text goes to our log, never to the client (it describes the LGWAN side).
// Thread-safe; probes block and run on the server's message threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "daemon/daemon_config.h"

namespace mugai::daemon {

inline constexpr std::chrono::seconds kHopBackoff{30};

class RecipientProbe {
 public:
  /// "" = accepted, else the reply line for the client; nullopt = not cached.
  std::optional<std::string> cached(const std::string& recipient);
  /// Probes the next hop of `recipient` (blocking) and caches the outcome.
  /// Returns "" or the reply line for the client.
  std::string probe(const std::string& recipient, const DaemonConfig& config);
  /// Entries in the cache (metrics, tests).
  std::size_t size();

 private:
  struct Entry {
    std::string reply;
    std::chrono::steady_clock::time_point expires;
  };
  std::mutex mutex_;
  std::map<std::string, Entry> cache_;
  std::map<std::string, std::chrono::steady_clock::time_point> hopDownUntil_;
};

}  // namespace mugai::daemon
