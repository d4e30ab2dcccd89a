// A small, blocking SMTP client (`mugai quarantine release`, and mugaid's
// delivery to the next hop for now): hands one
// message to a relay (the LGWAN-side mail server, or mugaid itself) on a
// trusted network. Dot-stuffs, sends CRLF line ends only, and reports
// the server's reply per recipient.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mugai {

struct SubmitResult {
  bool ok = false;                   ///< the server accepted the message for at least one recipient
  std::vector<std::string> accepted; ///< recipients with a 2xx RCPT reply
  /// Recipients the server refused at RCPT, with its reply ("550 5.1.1 ...").
  std::vector<std::pair<std::string, std::string>> refused;
  int code = 0;                      ///< the deciding reply's code; 0 = no connection or no reply
  std::string detail;                ///< the last reply or the failure, for the log and audit
};

/// Submits `message` from `sender` ("" = null sender) to `recipients`
/// through `hostPort` ("host:port"), with `timeoutSeconds` per exchange.
SubmitResult submitMail(const std::string& hostPort, const std::string& sender,
                        const std::vector<std::string>& recipients, const std::string& message, int timeoutSeconds = 60);

/// The addr-spec of a From/To field value: the part in <...>, else the trimmed text.
std::string addressOf(const std::string& field);

}  // namespace mugai
