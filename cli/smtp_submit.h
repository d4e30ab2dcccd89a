// A small, blocking SMTP client for `mugai quarantine release`: hands one
// message to a relay (the LGWAN-side mail server, or mugaid itself) on a
// trusted network. Dot-stuffs, sends CRLF line ends only, and reports
// the server's reply per recipient. Not the daemon's delivery agent.
#pragma once

#include <string>
#include <vector>

namespace mugai::cli {

struct SubmitResult {
  bool ok = false;                   ///< the server accepted the message for at least one recipient
  std::vector<std::string> accepted; ///< recipients with a 2xx RCPT reply
  std::string detail;                ///< the last reply or the failure, for the log and audit
};

/// Submits `message` from `sender` ("" = null sender) to `recipients`
/// through `hostPort` ("host:port"), with `timeoutSeconds` per exchange.
SubmitResult submitMail(const std::string& hostPort, const std::string& sender,
                        const std::vector<std::string>& recipients, const std::string& message, int timeoutSeconds = 60);

/// The addr-spec of a From/To field value: the part in <...>, else the trimmed text.
std::string addressOf(const std::string& field);

}  // namespace mugai::cli
