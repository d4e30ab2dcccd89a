// See smtp_session.h.
#include "daemon/smtp_session.h"

#include <algorithm>
#include <cctype>

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
  if (address.find_first_of(" <>\t") != std::string::npos) return false;
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

void SmtpSession::tlsStarted() {
  wantsTls_ = false;
  tls_ = true;
  envelope_.tls = true;
  haveHelo_ = false;
  envelope_.helo.clear();
  resetTransaction();
  buffer_.clear();
}

void SmtpSession::resetTransaction() {
  haveMail_ = false;
  envelope_.mailFrom.clear();
  envelope_.recipients.clear();
  envelope_.eightBit = envelope_.smtpUtf8 = false;
  data_.clear();
  dataTooBig_ = false;
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
  if (state_ != State::Waiting) return {};
  state_ = State::Command;
  std::string out;
  this->reply(out, reply);
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
    if (state_ == State::Data) dataLine(line, out);
    else if (line.size() + 2 > limits_.maxCommandLine) error(out, "500 5.5.2 Error: line too long");
    else command(line, out);
  }
  buffer_.erase(0, pos);
  // Commands a client pipelined after STARTTLS were sent in the clear and
  // could be injected by a man in the middle: they are never executed.
  if (wantsTls_) buffer_.clear();
  if (!close_ && state_ != State::Waiting) {
    // A line that never ends: cap what we hold (a command line, or the
    // message being received).
    std::uint64_t cap = state_ == State::Data ? limits_.maxMessageBytes + 2 : limits_.maxCommandLine;
    if (buffer_.size() > cap) {
      if (state_ == State::Data) {
        dataTooBig_ = true;
        buffer_.clear();  // keep reading until the end of DATA, but hold nothing
      } else {
        reply(out, "500 5.5.2 Error: line too long");
        close_ = true;
      }
    }
    // A bare CR at the very end may be the start of CR LF: wait for more.
    // Any CR not followed by LF is caught when its line is complete.
  }
  return out;
}

void SmtpSession::dataLine(std::string_view line, std::string& out) {
  if (line == ".") {
    state_ = State::Command;
    if (dataTooBig_) {
      error(out, "552 5.3.4 Error: message file too big");
    } else {
      std::string answer = handler_(envelope_, std::move(data_));
      if (answer.empty()) state_ = State::Waiting;  // complete() brings the reply
      else reply(out, answer);
    }
    resetTransaction();
    return;
  }
  if (!line.empty() && line.front() == '.') line.remove_prefix(1);  // dot-unstuffing, once
  if (dataTooBig_) return;
  if (data_.size() + line.size() + 2 > limits_.maxMessageBytes) {
    dataTooBig_ = true;
    data_.clear();
    return;
  }
  data_.append(line);
  data_.append("\r\n");
}

void SmtpSession::command(std::string_view line, std::string& out) {
  std::size_t space = line.find(' ');
  std::string verb = upper(line.substr(0, space));
  std::string_view arg = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);

  if (verb == "EHLO" || verb == "HELO") {
    if (arg.empty()) return error(out, "501 5.5.4 Syntax: " + verb + " hostname");
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
  if (verb == "MAIL") {
    if (!haveHelo_) return error(out, "503 5.5.1 Error: send HELO/EHLO first");
    if (haveMail_) return error(out, "503 5.5.1 Error: nested MAIL command");
    std::string address, params;
    if (!parsePath(arg, "FROM:", address, params)) return error(out, "501 5.5.4 Syntax: MAIL FROM:<address>");
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
        if (std::stoull(n) > limits_.maxMessageBytes)
          return error(out, "552 5.3.4 Message size exceeds fixed limit");
      } else if (p == "BODY=8BITMIME") {
        eightBit = true;
      } else if (p == "BODY=7BIT") {
      } else if (p == "SMTPUTF8") {
        utf8 = true;
      } else {
        return error(out, "555 5.5.4 Unsupported option: " + p);
      }
    }
    haveMail_ = true;
    envelope_.mailFrom = address;
    envelope_.eightBit = eightBit;
    envelope_.smtpUtf8 = utf8;
    return reply(out, "250 2.1.0 Ok");
  }
  if (verb == "RCPT") {
    if (!haveMail_) return error(out, "503 5.5.1 Error: need MAIL command");
    std::string address, params;
    if (!parsePath(arg, "TO:", address, params) || address.empty() || !params.empty())
      return error(out, "501 5.5.4 Syntax: RCPT TO:<address>");
    if (envelope_.recipients.size() >= limits_.maxRecipients) return error(out, "452 4.5.3 Error: too many recipients");
    if (std::string refusal = check_(address); !refusal.empty()) return error(out, refusal);
    envelope_.recipients.push_back(address);
    return reply(out, "250 2.1.5 Ok");
  }
  if (verb == "DATA") {
    if (!arg.empty()) return error(out, "501 5.5.4 Syntax: DATA");
    if (!haveMail_) return error(out, "503 5.5.1 Error: need MAIL command");
    if (envelope_.recipients.empty()) return error(out, "554 5.5.1 Error: no valid recipients");
    state_ = State::Data;
    return reply(out, "354 End data with <CR><LF>.<CR><LF>");
  }
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

}  // namespace mugai::daemon
