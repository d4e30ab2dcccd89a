// See smtp_session.h.
#include "daemon/smtp_session.h"

#include <algorithm>
#include <cctype>

#include "core/charset/charset.h"
#include "core/smtp_address.h"

namespace mugai::daemon {
namespace {

// "FROM:<a@b> PARAMS" after the verb: the address inside <> and the rest.
bool parsePath(std::string_view arg, std::string_view keyword, std::string& address, std::string& params) {
  if (arg.size() < keyword.size()) return false;
  for (std::size_t i = 0; i < keyword.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(arg[i])) != keyword[i]) return false;
  arg.remove_prefix(keyword.size());
  while (!arg.empty() && arg.front() == ' ') arg.remove_prefix(1);  // "FROM: <a>" is common enough
  if (arg.empty() || arg.front() != '<') return false;
  std::size_t close = arg.find('>');
  if (close == std::string_view::npos) return false;
  address = std::string(arg.substr(1, close - 1));
  if (address.find_first_of(" <>") != std::string::npos || hasControlBytes(address)) return false;
  params = std::string(arg.substr(close + 1));
  return params.empty() || params.front() == ' ';
}

std::string upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

}  // namespace

SmtpSession::SmtpSession(std::string hostname, SessionLimits limits, std::string peer, RecipientCheck check,
                         MessageHandler handler)
    : hostname_(std::move(hostname)), limits_(limits), check_(std::move(check)), handler_(std::move(handler)) {
  envelope_.peer = std::move(peer);
}

std::string SmtpSession::greeting() const { return "220 " + hostname_ + " ESMTP mugaid\r\n"; }

void SmtpSession::reply(std::string& out, const std::string& line) { out += line + "\r\n"; }

void SmtpSession::error(std::string& out, const std::string& line) {
  reply(out, line);
  if (++errors_ >= limits_.maxErrors) {
    reply(out, "421 4.7.0 " + hostname_ + " Error: too many errors");
    close_ = true;
  }
}

void SmtpSession::tlsStarted(std::string info) {
  wantsTls_ = false;
  tls_ = true;
  envelope_.tls = true;
  envelope_.tlsInfo = std::move(info);
  haveHelo_ = false;
  envelope_.helo.clear();
  resetTransaction();
  buffer_.clear();
}

void SmtpSession::resetTransaction() {
  haveMail_ = false;
  envelope_.id.clear();
  envelope_.mailFrom.clear();
  envelope_.recipients.clear();
  envelope_.eightBit = envelope_.smtpUtf8 = false;
  body_.clear();
  dataTooBig_ = lineTooLong_ = spoolFailed_ = false;
  inHeader_ = midLine_ = false;
  hops_ = 0;
}

std::string SmtpSession::feed(std::string_view bytes) {
  if (close_) return {};
  buffer_.append(bytes);
  if (state_ == State::Waiting) {
    // Hold what is pipelined behind the message, within the command cap
    // per line a client could reasonably send meanwhile.
    if (buffer_.size() > limits_.maxCommandLine * (limits_.maxRecipients + 8)) {
      buffer_.clear();
      close_ = true;
    }
    return {};
  }
  return run();
}

std::string SmtpSession::complete(const std::string& reply) {
  if (state_ != State::Waiting || !pendingRecipient_.empty()) return {};
  state_ = State::Command;
  std::string out;
  this->reply(out, reply);
  if (close_) return out;
  return out + run();
}

std::string SmtpSession::completeRecipient(const std::string& refusal) {
  if (!waitingForRecipient()) return {};
  state_ = State::Command;
  std::string out;
  if (refusal.empty()) {
    envelope_.recipients.push_back(pendingMailbox_);
    reply(out, "250 2.1.5 Ok");
  } else {
    error(out, refusal);
  }
  pendingRecipient_.clear();
  pendingMailbox_.clear();
  if (close_) return out;
  return out + run();
}

std::string SmtpSession::run() {
  std::string out;
  std::size_t pos = 0;
  while (!close_ && !wantsTls_ && state_ != State::Waiting) {
    std::size_t lf = buffer_.find('\n', pos);
    if (lf == std::string::npos) break;
    std::string_view line(buffer_.data() + pos, lf - pos);
    pos = lf + 1;
    // Only CR LF ends a line; any other CR or LF is how smuggling starts.
    if (line.empty() || line.back() != '\r' || line.find('\r') != line.size() - 1) {
      reply(out, std::string("521 5.5.2 ") + hostname_ + " Error: bare <" + (line.empty() || line.back() != '\r' ? "LF" : "CR") +
                     "> received");
      close_ = true;
      break;
    }
    line.remove_suffix(1);
    if (state_ == State::Data && midLine_) {
      midLine_ = false;  // the end of a line cut above: neither "." nor stuffed
    } else if (state_ == State::Data) {
      if (line.size() + 2 > limits_.maxLineBytes) lineTooLong_ = true;
      dataLine(line, out);
    } else if (line.size() + 2 > limits_.maxCommandLine) {
      error(out, "500 5.5.2 Error: line too long");
    } else {
      command(line, out);
    }
  }
  buffer_.erase(0, pos);
  // Commands a client pipelined after STARTTLS were sent in the clear and
  // could be injected by a man in the middle: they are never executed.
  if (wantsTls_) buffer_.clear();
  if (!close_ && state_ != State::Waiting) {
    // A line that never ends: hold at most one line's cap of it.
    if (state_ == State::Data && buffer_.size() > limits_.maxLineBytes) {
      // Keep reading until the end of DATA, holding nothing: the message
      // is refused then. All but the last byte go (it may be the CR of the
      // CR LF); what follows is the rest of this line (midLine_), never a
      // "." of its own.
      lineTooLong_ = true;
      if (buffer_.find('\r') < buffer_.size() - 1) {
        reply(out, "521 5.5.2 " + hostname_ + " Error: bare <CR> received");
        close_ = true;
        buffer_.clear();
      } else {
        buffer_.erase(0, buffer_.size() - 1);
        midLine_ = true;
      }
    } else if (state_ == State::Command && buffer_.size() > limits_.maxCommandLine) {
      reply(out, "500 5.5.2 Error: line too long");
      close_ = true;
    }
    // A bare CR at the very end may be the start of CR LF: wait for more.
    // Any CR not followed by LF is caught when its line is complete.
  }
  return out;
}

void SmtpSession::endOfData(std::string& out) {
  state_ = State::Command;
  if (dataTooBig_) {
    error(out, "552 5.3.4 Error: message file too big");
  } else if (lineTooLong_) {
    error(out, "552 5.3.4 Error: a line of the message is longer than " + std::to_string(limits_.maxLineBytes) + " bytes");
  } else if (spoolFailed_) {
    error(out, "452 4.3.1 Insufficient system storage");
  } else if (hops_ > limits_.maxHops) {
    error(out, "554 5.4.6 Error: too many hops (" + std::to_string(hops_) + " Received fields): mail loop?");
  } else {
    std::string answer = handler_(envelope_, std::move(body_));
    if (answer.empty()) state_ = State::Waiting;  // complete() brings the reply
    else reply(out, answer);
  }
  resetTransaction();
}

namespace {

// "Received:" at the start of a header line, in any case.
bool isReceivedField(std::string_view line) {
  constexpr std::string_view kName = "received:";
  if (line.size() < kName.size()) return false;
  for (std::size_t i = 0; i < kName.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != kName[i]) return false;
  return true;
}

}  // namespace

void SmtpSession::dataLine(std::string_view line, std::string& out) {
  if (line == ".") return endOfData(out);
  if (!line.empty() && line.front() == '.') line.remove_prefix(1);  // dot-unstuffing, once
  if (dataTooBig_ || lineTooLong_ || spoolFailed_) return;
  if (inHeader_) {
    if (line.empty()) inHeader_ = false;
    else if (isReceivedField(line)) ++hops_;
  }
  if (body_.size() + line.size() + 2 > limits_.maxMessageBytes) {
    dataTooBig_ = true;
    body_.clear();
    return;
  }
  if (!body_.append(line) || !body_.append("\r\n")) {
    spoolFailed_ = true;
    body_.clear();
  }
}

void SmtpSession::command(std::string_view line, std::string& out) {
  std::size_t space = line.find(' ');
  std::string verb = upper(line.substr(0, space));
  std::string_view arg = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);

  // The verb table (Postfix smtpd_cmd_table): each verb's handler.
  if (verb == "EHLO" || verb == "HELO") return helo(verb, arg, out);
  if (verb == "MAIL") return mail(arg, out);
  if (verb == "RCPT") return rcpt(arg, out);
  if (verb == "DATA") return data(arg, out);
  if (verb == "RSET") {
    resetTransaction();
    return reply(out, "250 2.0.0 Ok");
  }
  if (verb == "NOOP") return reply(out, "250 2.0.0 Ok");
  if (verb == "QUIT") {
    reply(out, "221 2.0.0 Bye");
    close_ = true;
    return;
  }
  if (verb == "VRFY") return reply(out, "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery");
  if (verb == "STARTTLS") {
    if (!arg.empty()) return error(out, "501 5.5.4 Syntax: STARTTLS");
    if (!offerTls_ || tls_) return error(out, "502 5.5.1 Error: command not implemented");
    reply(out, "220 2.0.0 Ready to start TLS");
    wantsTls_ = true;
    return;
  }
  if (verb == "HELP") return reply(out, "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP");
  error(out, "502 5.5.2 Error: command not recognized");
}

void SmtpSession::helo(std::string_view verb, std::string_view arg, std::string& out) {
  const std::string v(verb);
  if (arg.empty()) return error(out, "501 5.5.4 Syntax: " + v + " hostname");
  // The name goes into the trace field and the log: never a control byte.
  if (hasControlBytes(arg)) return error(out, "501 5.5.2 Syntax: control characters in " + v);
  resetTransaction();
  haveHelo_ = true;
  envelope_.helo = std::string(arg);
  if (verb == "HELO") return reply(out, "250 " + hostname_);
  reply(out, "250-" + hostname_);
  reply(out, "250-PIPELINING");
  reply(out, "250-SIZE " + std::to_string(limits_.maxMessageBytes));
  reply(out, "250-8BITMIME");
  reply(out, "250-ENHANCEDSTATUSCODES");
  if (offerTls_ && !tls_) reply(out, "250-STARTTLS");
  return reply(out, "250 SMTPUTF8");
}

void SmtpSession::mail(std::string_view arg, std::string& out) {
  if (!haveHelo_) return error(out, "503 5.5.1 Error: send HELO/EHLO first");
  if (haveMail_) return error(out, "503 5.5.1 Error: nested MAIL command");
  std::string address, params;
  if (!parsePath(arg, "FROM:", address, params) || hasControlBytes(params))
    return error(out, "501 5.5.4 Syntax: MAIL FROM:<address>");
  std::string mailbox;
  if (!address.empty()) {
    EnvelopePath p = parseEnvelopePath(address);
    if (!p.valid) return error(out, "501 5.1.7 Bad sender address syntax");
    mailbox = p.mailbox;  // a source route is ignored (RFC 5321 C)
  }
  bool eightBit = false, utf8 = false;
  for (std::size_t i = 0; i < params.size();) {
    std::size_t end = params.find(' ', i);
    if (end == std::string::npos) end = params.size();
    std::string p = upper(std::string_view(params).substr(i, end - i));
    i = end + 1;
    if (p.empty()) continue;
    if (p.rfind("SIZE=", 0) == 0) {
      std::string n = p.substr(5);
      if (n.empty() || n.size() > 19 || !std::all_of(n.begin(), n.end(), ::isdigit))
        return error(out, "501 5.5.4 Bad SIZE parameter");
      if (std::stoull(n) > limits_.maxMessageBytes) return error(out, "552 5.3.4 Message size exceeds fixed limit");
    } else if (p == "BODY=8BITMIME") {
      eightBit = true;
    } else if (p == "BODY=7BIT") {
    } else if (p == "SMTPUTF8") {
      utf8 = true;
    } else {
      return error(out, "555 5.5.4 Unsupported option: " + p);
    }
  }
  // RFC 6531 3.4: a UTF-8 address only in a transaction that said SMTPUTF8.
  if (!utf8 && !charset::isAscii(mailbox)) return error(out, "553 5.6.7 Error: non-ASCII sender address without SMTPUTF8");
  haveMail_ = true;
  envelope_.mailFrom = mailbox;
  envelope_.eightBit = eightBit;
  envelope_.smtpUtf8 = utf8;
  return reply(out, "250 2.1.0 Ok");
}

void SmtpSession::rcpt(std::string_view arg, std::string& out) {
  if (!haveMail_) return error(out, "503 5.5.1 Error: need MAIL command");
  std::string address, params;
  if (!parsePath(arg, "TO:", address, params) || address.empty() || !params.empty())
    return error(out, "501 5.5.4 Syntax: RCPT TO:<address>");
  EnvelopePath p = parseEnvelopePath(address);
  if (!p.valid) return error(out, "501 5.1.3 Bad recipient address syntax");
  if (!envelope_.smtpUtf8 && !charset::isAscii(address))
    return error(out, "553 5.6.7 Error: non-ASCII recipient address without SMTPUTF8");
  if (envelope_.recipients.size() >= limits_.maxRecipients) return error(out, "452 4.5.3 Error: too many recipients");
  std::string verdict = check_(address);
  if (verdict == kLater) {
    pendingRecipient_ = address;
    pendingMailbox_ = p.mailbox;
    state_ = State::Waiting;
    return;
  }
  if (!verdict.empty()) return error(out, verdict);
  envelope_.recipients.push_back(p.mailbox);
  return reply(out, "250 2.1.5 Ok");
}

void SmtpSession::data(std::string_view arg, std::string& out) {
  if (!arg.empty()) return error(out, "501 5.5.4 Syntax: DATA");
  if (!haveMail_) return error(out, "503 5.5.1 Error: need MAIL command");
  if (envelope_.recipients.empty()) return error(out, "554 5.5.1 Error: no valid recipients");
  state_ = State::Data;
  body_ = bodies_ ? bodies_() : MessageBody();
  inHeader_ = true;
  hops_ = 0;
  if (trace_) {
    const std::string field = trace_(envelope_);
    if (!body_.append(field)) spoolFailed_ = true;
  }
  return reply(out, "354 End data with <CR><LF>.<CR><LF>");
}

}  // namespace mugai::daemon
