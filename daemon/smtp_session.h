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
// (RFC 5321 4.5.2). Input is hostile: command lines are capped at 512
// bytes (RFC 5321 4.5.3.1.4) and text lines at max_line_bytes, whether or
// not they ever end; the message size is capped while it arrives, and
// its bytes go to a MessageBody (memory, then disk) line by line; errors
// are counted. HELO names and addresses with control bytes get 501, and
// addresses must be RFC 5321 paths (core/smtp_address.h). The message's
// Received fields are counted as they arrive: past max_hops it is refused
// with 554 5.4.6 (a mail loop). STARTTLS (RFC 3207) drops anything
// pipelined after it and starts the session over.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/message_body.h"

namespace mugai::daemon {

struct SessionLimits {
  std::size_t maxCommandLine = 512;            ///< bytes incl. CRLF (RFC 5321 4.5.3.1.4)
  std::size_t maxLineBytes = 64 * 1024;        ///< one text line of DATA incl. CRLF (RFC 5322 asks for <= 1000)
  std::uint64_t maxMessageBytes = 50ull << 20; ///< DATA after unstuffing (advertised as SIZE)
  int maxHops = 50;                            ///< Received fields a message may carry (Postfix hopcount_limit)
  std::size_t maxRecipients = 1000;            ///< RCPT per message (RFC 5321 asks for >= 100)
  int maxErrors = 20;                          ///< 4xx/5xx replies before the session is dropped
};

/// The envelope of one message.
struct Envelope {
  std::string id;                       ///< the queue id, chosen at DATA (trace field, spool, logs)
  std::string helo;
  std::string mailFrom;                 ///< "" for the null sender <>
  std::vector<std::string> recipients;
  bool eightBit = false;                ///< BODY=8BITMIME
  bool smtpUtf8 = false;                ///< SMTPUTF8
  std::string peer;                     ///< the client, for logs
  bool tls = false;                     ///< received over STARTTLS
  bool dsn = false;                     ///< a delivery status notification of our own
  bool trustedClient = false;           ///< the client was in trusted_networks (may relay anywhere)
  std::string tlsInfo;                  ///< "TLSv1.3 TLS_AES_256_GCM_SHA384" once STARTTLS is up
};

class SmtpSession {
 public:
  /// "" accepts the recipient; kLater defers the answer (the session waits
  /// for completeRecipient()); otherwise the complete reply line (e.g.
  /// "554 5.7.1 ..."). Gets the path as the client sent it (a source route
  /// included) once its syntax is valid.
  using RecipientCheck = std::function<std::string(const std::string& recipient)>;
  static inline const std::string kLater = "later";
  /// Takes a complete message (after the final "."); returns the reply line,
  /// "250 2.0.0 Ok: queued as ID" once the message is safely on disk, or ""
  /// when the reply comes later: the session then waits (see complete()).
  using MessageHandler = std::function<std::string(Envelope envelope, MessageBody body)>;
  /// Where DATA goes while it arrives (default: memory).
  using BodyFactory = std::function<MessageBody()>;
  /// Called at DATA with the envelope: sets envelope.id and returns the
  /// Received field (with its CRLF) that starts the message. Default: none.
  using Trace = std::function<std::string(Envelope& envelope)>;

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

  void setBodyFactory(BodyFactory f) { bodies_ = std::move(f); }
  void setTrace(Trace t) { trace_ = std::move(t); }
  /// Marks the client as trusted (recorded in the envelope).
  void setTrustedClient(bool trusted) { envelope_.trustedClient = trusted; }
  /// The answer to a recipient check that said kLater: "" accepts, else the
  /// reply line. Returns the replies to send, as complete() does.
  std::string completeRecipient(const std::string& refusal);
  /// The recipient whose check is pending (waitingForRecipient()).
  const std::string& pendingRecipient() const { return pendingRecipient_; }
  bool waitingForRecipient() const { return state_ == State::Waiting && !pendingRecipient_.empty(); }

  /// Offer STARTTLS in EHLO (the server has a certificate).
  void offerTls(bool offer) { offerTls_ = offer; }
  /// The client asked for STARTTLS and got 220: the caller writes the
  /// replies, runs the TLS handshake, then calls tlsStarted(). Whatever the
  /// client pipelined after STARTTLS was thrown away (CVE-2011-0411 class).
  bool wantsTls() const { return wantsTls_; }
  /// TLS is up: the session starts over (RFC 3207 4.2: forget HELO and the transaction).
  /// `info`: protocol and cipher, for the trace field.
  void tlsStarted(std::string info = {});
  bool tls() const { return tls_; }

 private:
  enum class State { Command, Data, Waiting };
  std::string run();  // executes the complete lines in buffer_
  void command(std::string_view line, std::string& out);
  void dataLine(std::string_view line, std::string& out);
  void endOfData(std::string& out);
  void helo(std::string_view verb, std::string_view arg, std::string& out);
  void mail(std::string_view arg, std::string& out);
  void rcpt(std::string_view arg, std::string& out);
  void data(std::string_view arg, std::string& out);
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
  BodyFactory bodies_;
  Trace trace_;
  MessageBody body_;
  std::string pendingRecipient_;       // its check said kLater
  std::string pendingMailbox_;         // what is recorded if it is accepted
  bool dataTooBig_ = false, lineTooLong_ = false, spoolFailed_ = false;
  bool midLine_ = false;               // DATA: the start of the current line was cut (too long)
  bool inHeader_ = false;              // DATA is still in the top-level header section
  int hops_ = 0;                       // Received fields seen there
  int errors_ = 0;
  bool close_ = false;
  bool offerTls_ = false, wantsTls_ = false, tls_ = false;
};

}  // namespace mugai::daemon
