// A small, blocking SMTP client (`mugai quarantine release`, and mugaid's
// delivery to the next hop for now): hands one
// message to a relay (the LGWAN-side mail server, or mugaid itself) on a
// trusted network. Dot-stuffs, sends CRLF line ends only, and reports
// the server's reply per recipient. STARTTLS by policy (OpenSSL).
#pragma once

#include <memory>
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
  std::string tls;                   ///< "" = plain; else "TLSv1.3 TLS_AES_256_GCM_SHA384" and the like
};

/// TLS toward the server (RFC 3207 STARTTLS), as Postfix's smtp_tls_security_level:
enum class TlsPolicy {
  None,     ///< never
  May,      ///< when offered; the certificate is not checked (opportunistic)
  Encrypt,  ///< required; without STARTTLS the attempt fails (temporary)
  Verify,   ///< required, and the certificate must chain to `caFile` (or the system CAs) and name the host
};

struct SubmitOptions {
  int timeoutSeconds = 60;           ///< per exchange
  TlsPolicy tls = TlsPolicy::May;
  std::string caFile;                ///< PEM CAs for Verify; "" = the system's
  std::string heloName;              ///< "" = this machine's name
};

/// Submits `message` from `sender` ("" = null sender) to `recipients`
/// through `hostPort` ("host:port"), on a connection of its own.
SubmitResult submitMail(const std::string& hostPort, const std::string& sender,
                        const std::vector<std::string>& recipients, const std::string& message,
                        const SubmitOptions& options = {});

/// One SMTP connection that carries message after message (connection
/// reuse, as Postfix's connection cache): the greeting, EHLO and STARTTLS
/// happen once. After a transaction that did not complete, RSET. A reused
/// connection the server has meanwhile closed is noticed at MAIL (no reply,
/// or 421) and the message goes out on a fresh one.
class SmtpClient {
 public:
  SmtpClient(std::string hostPort, SubmitOptions options);
  ~SmtpClient();  ///< QUIT
  SmtpClient(const SmtpClient&) = delete;
  SmtpClient& operator=(const SmtpClient&) = delete;

  /// Sends `message`. An address that is not an RFC 5321 mailbox
  /// (core/smtp_address.h) is never sent: the result is then code 553 and
  /// nothing was transmitted.
  SubmitResult submit(const std::string& sender, const std::vector<std::string>& recipients, const std::string& message);
  /// Recipient verification (Postfix's address probe): MAIL FROM:<>,
  /// RCPT TO:<recipient>, RSET; nothing is delivered. `ok` when the server
  /// said 2xx to RCPT; `code` is its reply code (0: no connection).
  SubmitResult verify(const std::string& recipient);
  /// A connection is open and may carry the next message.
  bool open() const;
  /// Messages sent on the current connection.
  int messagesOnConnection() const { return sent_; }

 private:
  struct State;
  /// Opens the connection (greeting, EHLO, STARTTLS); false with `r` filled on failure.
  bool connect(SubmitResult& r);
  SubmitResult transaction(const std::string& sender, const std::vector<std::string>& recipients,
                           const std::string& message, bool& connectionLost);
  void close();

  std::string hostPort_;
  SubmitOptions options_;
  std::unique_ptr<State> state_;
  int sent_ = 0;
};

/// Parses "none" / "may" / "encrypt" / "verify".
bool parseTlsPolicy(const std::string& text, TlsPolicy& out);


}  // namespace mugai
