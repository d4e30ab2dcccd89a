// The SMTP server side of one connection, as a state machine without I/O:
// bytes in, replies out. The network loop (and the tests) feed it what
// the client sent and write back what it answers, so every protocol
// decision is testable byte for byte.
//
// Strictness (no SMTP smuggling): every line must end in CR LF. A bare LF
// or a bare CR anywhere, in a command or in DATA, ends the session with
// 521 and discards the message in progress (Postfix 3.9
// smtpd_forbid_bare_newline = reject). DATA ends only at a line holding a
// single ".", and lines starting with "." are unstuffed exactly once
// (RFC 5321 4.5.2). Input is hostile: command lines are capped, the message
// size is capped while it arrives, errors are counted. STARTTLS (RFC 3207)
// drops anything pipelined after it and starts the session over.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mugai::daemon {

struct SessionLimits {
  std::size_t maxCommandLine = 2048;           ///< bytes incl. CRLF (RFC 5321 says 512; Postfix allows 2048)
  std::uint64_t maxMessageBytes = 50ull << 20; ///< DATA after unstuffing (advertised as SIZE)
  std::size_t maxRecipients = 1000;            ///< RCPT per message (RFC 5321 asks for >= 100)
  int maxErrors = 20;                          ///< 4xx/5xx replies before the session is dropped
};

/// The envelope of one message.
struct Envelope {
  std::string helo;
  std::string mailFrom;                 ///< "" for the null sender <>
  std::vector<std::string> recipients;
  bool eightBit = false;                ///< BODY=8BITMIME
  bool smtpUtf8 = false;                ///< SMTPUTF8
  std::string peer;                     ///< the client, for logs
  bool tls = false;                     ///< received over STARTTLS
  bool dsn = false;                     ///< a delivery status notification of our own
};

class SmtpSession {
 public:
  /// "" accepts the recipient; otherwise the complete reply line (e.g. "554 5.7.1 ...").
  using RecipientCheck = std::function<std::string(const std::string& recipient)>;
  /// Takes a complete message (after the final "."); returns the reply line,
  /// "250 2.0.0 Ok: queued as ID" once the message is safely on disk, or ""
  /// when the reply comes later: the session then waits (see complete()).
  using MessageHandler = std::function<std::string(Envelope envelope, std::string data)>;

  SmtpSession(std::string hostname, SessionLimits limits, std::string peer, RecipientCheck check, MessageHandler handler);

  /// The 220 banner.
  std::string greeting() const;
  /// Consumes bytes from the client; returns every reply they call for, in
  /// order (several when the client pipelines). After wantsClose(), the
  /// caller writes the replies and closes the connection.
  std::string feed(std::string_view bytes);
  bool wantsClose() const { return close_; }
  bool inData() const { return state_ == State::Data; }
  /// The handler deferred its reply: until complete(), feed() only buffers
  /// what the client pipelines (nothing is executed ahead of the reply).
  bool waiting() const { return state_ == State::Waiting; }
  /// The deferred reply to the last message: returns it, followed by the
  /// replies to whatever the client pipelined meanwhile.
  std::string complete(const std::string& reply);

  /// Offer STARTTLS in EHLO (the server has a certificate).
  void offerTls(bool offer) { offerTls_ = offer; }
  /// The client asked for STARTTLS and got 220: the caller writes the
  /// replies, runs the TLS handshake, then calls tlsStarted(). Whatever the
  /// client pipelined after STARTTLS was thrown away (CVE-2011-0411 class).
  bool wantsTls() const { return wantsTls_; }
  /// TLS is up: the session starts over (RFC 3207 4.2: forget HELO and the transaction).
  void tlsStarted();
  bool tls() const { return tls_; }

 private:
  enum class State { Command, Data, Waiting };
  std::string run();  // executes the complete lines in buffer_
  void command(std::string_view line, std::string& out);
  void dataLine(std::string_view line, std::string& out);
  void reply(std::string& out, const std::string& line);
  void error(std::string& out, const std::string& line);
  void resetTransaction();

  std::string hostname_;
  SessionLimits limits_;
  RecipientCheck check_;
  MessageHandler handler_;
  State state_ = State::Command;
  std::string buffer_;
  Envelope envelope_;
  bool haveHelo_ = false, haveMail_ = false;
  std::string data_;
  bool dataTooBig_ = false;
  int errors_ = 0;
  bool close_ = false;
  bool offerTls_ = false, wantsTls_ = false, tls_ = false;
};

}  // namespace mugai::daemon
