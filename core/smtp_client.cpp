// See smtp_submit.h.
#include "core/smtp_client.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/c_handles.h"
#include "core/charset/charset.h"
#include "core/smtp_address.h"

namespace mugai {
namespace {

class Connection {
 public:
  Connection(const std::string& hostPort, int timeout) {
    std::size_t colon = hostPort.rfind(':');
    if (colon == std::string::npos) {
      error_ = "relay must be host:port, got \"" + hostPort + "\"";
      return;
    }
    std::string host = hostPort.substr(0, colon), port = hostPort.substr(colon + 1);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
      error_ = "cannot resolve " + hostPort + ": " + gai_strerror(rc);
      return;
    }
    for (addrinfo* a = res; a && !fd_; a = a->ai_next) {
      UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
      if (!fd) continue;
      timeval tv{timeout, 0};
      ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      // Commands and replies are small and strictly alternate: Nagle's
      // algorithm would hold a command back for the peer's delayed ACK (40 ms).
      const int one = 1;
      ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) fd_ = std::move(fd);
      else error_ = "cannot connect to " + hostPort + ": " + std::strerror(errno);
    }
    ::freeaddrinfo(res);
  }
  ~Connection() {
    if (ssl_) {
      SSL_shutdown(ssl_);
      SSL_free(ssl_);
    }
    if (ctx_) SSL_CTX_free(ctx_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  bool ok() const { return static_cast<bool>(fd_); }
  const std::string& error() const { return error_; }

  /// The TLS handshake after "220 Ready to start TLS"; "" or the failure.
  std::string startTls(const std::string& host, const SubmitOptions& o) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (!ctx_) return "cannot create a TLS context";
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    if (o.tls == TlsPolicy::Verify) {
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
      int loaded = o.caFile.empty() ? SSL_CTX_set_default_verify_paths(ctx_)
                                    : SSL_CTX_load_verify_locations(ctx_, o.caFile.c_str(), nullptr);
      if (loaded != 1) return "cannot load CA certificates " + o.caFile;
    }
    ssl_ = SSL_new(ctx_);
    if (!ssl_) return "cannot create a TLS session";
    SSL_set_fd(ssl_, fd_.get());
    SSL_set_tlsext_host_name(ssl_, host.c_str());  // SNI
    if (o.tls == TlsPolicy::Verify) SSL_set1_host(ssl_, host.c_str());
    buf_.clear();  // nothing read in the clear survives the handshake
    if (SSL_connect(ssl_) != 1) {
      unsigned long e = ERR_get_error();
      std::string why = e ? ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "handshake failed" : "handshake failed";
      long v = SSL_get_verify_result(ssl_);
      if (v != X509_V_OK) why += std::string(" (") + X509_verify_cert_error_string(v) + ")";
      return "TLS handshake with the next hop failed: " + why;
    }
    tls_ = std::string(SSL_get_version(ssl_)) + " " + SSL_get_cipher_name(ssl_);
    return "";
  }
  const std::string& tlsDescription() const { return tls_; }

  bool send(const std::string& s) {
    for (std::size_t done = 0; done < s.size();) {
      ssize_t n = ssl_ ? SSL_write(ssl_, s.data() + done, static_cast<int>(std::min<std::size_t>(s.size() - done, 1 << 30)))
                       : ::send(fd_.get(), s.data() + done, s.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error_ = std::string("send failed: ") + std::strerror(errno);
        return false;
      }
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// Reads one (possibly multi-line) reply; returns its code, 0 on failure.
  int reply(std::string& text) {
    text.clear();
    for (;;) {
      std::size_t eol;
      while ((eol = buf_.find("\r\n")) == std::string::npos) {
        if (buf_.size() > 65536) return fail("reply line too long");
        char chunk[4096];
        ssize_t n = ssl_ ? SSL_read(ssl_, chunk, sizeof chunk) : ::recv(fd_.get(), chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(n == 0 ? "connection closed by the server" : std::string("receive failed: ") + std::strerror(errno));
        buf_.append(chunk, static_cast<std::size_t>(n));
      }
      std::string line = buf_.substr(0, eol);
      buf_.erase(0, eol + 2);
      if (line.size() < 3) return fail("malformed reply \"" + line + "\"");
      text += (text.empty() ? "" : " ") + line;
      if (line.size() == 3 || line[3] != '-') return std::atoi(line.substr(0, 3).c_str());
    }
  }

 private:
  int fail(std::string e) {
    error_ = std::move(e);
    return 0;
  }
  UniqueFd fd_;
  std::string buf_;
  std::string error_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string tls_;
};

std::string hostOf(const std::string& hostPort) {
  std::string host = hostPort.substr(0, hostPort.rfind(':'));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

// CRLF line ends (bare LF and bare CR become CRLF: RFC 5321 2.3.8) and
// dot-stuffing (4.5.2); ends with the terminating "." line.
std::string dataBlock(const std::string& m) {
  std::string out;
  out.reserve(m.size() + m.size() / 50 + 8);
  bool lineStart = true;
  for (std::size_t i = 0; i < m.size(); ++i) {
    char c = m[i];
    if (lineStart && c == '.') out += '.';
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < m.size() && m[i + 1] == '\n') ++i;
      out += "\r\n";
      lineStart = true;
      continue;
    }
    out += c;
    lineStart = false;
  }
  if (!lineStart) out += "\r\n";
  return out + ".\r\n";
}

// One command (none: just read a reply) and its reply into `r`; true when
// the reply is of `expectClass` (2 = 2xx). A failed send or read leaves
// code 0 and the connection's error.
bool exchange(Connection& c, SubmitResult& r, const std::string& cmd, int expectClass) {
  if (!cmd.empty() && !c.send(cmd + "\r\n")) {
    r.code = 0;
    r.detail = c.error();
    return false;
  }
  std::string text;
  const int code = c.reply(text);
  r.detail = code ? text : c.error();
  r.code = code;
  return code / 100 == expectClass;
}

}  // namespace

bool parseTlsPolicy(const std::string& t, TlsPolicy& out) {
  if (t == "none") out = TlsPolicy::None;
  else if (t == "may") out = TlsPolicy::May;
  else if (t == "encrypt") out = TlsPolicy::Encrypt;
  else if (t == "verify") out = TlsPolicy::Verify;
  else return false;
  return true;
}

namespace {

// Every address goes on a command line: one that is not an RFC 5321
// mailbox (a control byte, '<' or '>', a second command hidden in it) is
// never sent. An invalid sender fails the whole message (553); an invalid
// recipient is refused alone (553 5.1.3) and the others go on. Returns
// the recipients to send to.
std::vector<std::string> checkAddresses(const std::string& sender, const std::vector<std::string>& recipients, SubmitResult& r) {
  if (!sender.empty() && !validMailbox(sender)) {
    r.code = 553;
    r.detail = "553 5.1.7 mugai: invalid sender address, not sent (RFC 5321 syntax, no control characters)";
    for (const auto& rcpt : recipients) r.refused.push_back({rcpt, r.detail});
    return {};
  }
  std::vector<std::string> ok;
  for (const auto& rcpt : recipients) {
    if (validMailbox(rcpt)) ok.push_back(rcpt);
    else r.refused.push_back({rcpt, "553 5.1.3 mugai: invalid recipient address, not sent (RFC 5321 syntax, no control characters)"});
  }
  if (ok.empty()) {
    r.code = 553;
    r.detail = r.refused.empty() ? "553 5.1.3 mugai: no recipient" : r.refused.back().second;
  }
  return ok;
}

// MAIL's parameters: SMTPUTF8 when an address is not ASCII (RFC 6531).
std::string mailParams(const std::string& sender, const std::vector<std::string>& recipients) {
  bool utf8 = !charset::isAscii(sender);
  for (const auto& r : recipients) utf8 = utf8 || !charset::isAscii(r);
  return utf8 ? " SMTPUTF8" : "";
}

}  // namespace

struct SmtpClient::State {
  Connection connection;
  std::string tls;
  bool clean = true;       // no transaction half done
  bool pipelining = false; // the server offered PIPELINING (RFC 2920)
  State(const std::string& hostPort, int timeout) : connection(hostPort, timeout) {}
};

SmtpClient::SmtpClient(std::string hostPort, SubmitOptions options)
    : hostPort_(std::move(hostPort)), options_(std::move(options)) {}

SmtpClient::~SmtpClient() { close(); }

bool SmtpClient::open() const { return state_ != nullptr; }

void SmtpClient::close() {
  if (!state_) return;
  std::string text;
  if (state_->connection.send("QUIT\r\n")) state_->connection.reply(text);
  state_.reset();
  sent_ = 0;
}

bool SmtpClient::connect(SubmitResult& r) {
  auto state = std::make_unique<State>(hostPort_, options_.timeoutSeconds);
  Connection& c = state->connection;
  if (!c.ok()) {
    r.detail = c.error();
    return false;
  }
  auto step = [&](const std::string& cmd, int expectClass) { return exchange(c, r, cmd, expectClass); };
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  const std::string helo = options_.heloName.empty() ? std::string(host) : options_.heloName;
  if (!step("", 2)) return false;
  bool ehlo = step("EHLO " + helo, 2);
  if (!ehlo && !step("HELO " + helo, 2)) return false;
  const bool offered = ehlo && (r.detail.find("250-STARTTLS") != std::string::npos ||
                                r.detail.find("250 STARTTLS") != std::string::npos);
  const bool required = options_.tls == TlsPolicy::Encrypt || options_.tls == TlsPolicy::Verify;
  if (required && !offered) {
    r.code = 0;  // temporary: the next hop may offer it later; never send in the clear
    r.detail = "the next hop does not offer STARTTLS, and TLS is required";
    return false;
  }
  if (offered && options_.tls != TlsPolicy::None) {
    if (!step("STARTTLS", 2)) {
      if (required) return false;
    } else {
      if (std::string e = c.startTls(hostOf(hostPort_), options_); !e.empty()) {
        r.code = 0;
        r.detail = e;
        return false;  // after a failed handshake the session is unusable; retried later
      }
      state->tls = c.tlsDescription();
      if (!step("EHLO " + helo, 2)) return false;  // RFC 3207 4.2: start over
    }
  }
  state->pipelining = ehlo && (r.detail.find("250-PIPELINING") != std::string::npos ||
                               r.detail.find("250 PIPELINING") != std::string::npos);
  state_ = std::move(state);
  sent_ = 0;
  return true;
}

SubmitResult SmtpClient::transaction(const std::string& sender, const std::vector<std::string>& recipients,
                                     const std::string& message, bool& connectionLost) {
  SubmitResult r;
  r.tls = state_->tls;
  Connection& c = state_->connection;
  auto step = [&](const std::string& cmd, int expectClass) { return exchange(c, r, cmd, expectClass); };
  if (!state_->clean && !step("RSET", 2)) {
    connectionLost = r.code == 0 || r.code == 421;
    return r;
  }
  state_->clean = false;
  if (state_->pipelining) {
    // RFC 2920: MAIL, every RCPT and DATA in one write, then the replies in
    // order. One round trip instead of 2 + recipients.
    std::string group = "MAIL FROM:<" + sender + ">" + mailParams(sender, recipients) + "\r\n";
    for (const auto& rcpt : recipients) group += "RCPT TO:<" + rcpt + ">\r\n";
    group += "DATA\r\n";
    if (!step(group.substr(0, group.size() - 2), 2)) {  // step() adds the last CR LF; the reply read is MAIL's
      connectionLost = r.code == 0 || r.code == 421;
      if (connectionLost) return r;
      const SubmitResult refusal = r;  // MAIL's reply decides; the rest follow from it
      for (std::size_t i = 0; i <= recipients.size(); ++i) step("", 0);  // the RCPT and DATA replies (errors)
      const bool gone = r.code == 0;
      r = refusal;
      if (gone) close();  // the connection did not survive: not for the next message
      return r;
    }
    for (const auto& rcpt : recipients) {
      if (step("", 2)) r.accepted.push_back(rcpt);
      else r.refused.push_back({rcpt, r.detail});
      if (r.code == 0) return r;
    }
    const bool go = step("", 3);
    if (!go || r.accepted.empty()) {
      if (go) {  // 354 with no recipient: end the empty message, nothing is delivered
        step(".", 0);
        r.code = 554;
        r.detail = "no recipient accepted";
      }
      if (r.accepted.empty() && !r.refused.empty()) r.detail = r.refused.back().second;
      return r;
    }
  } else {
    if (!step("MAIL FROM:<" + sender + ">" + mailParams(sender, recipients), 2)) {
      connectionLost = r.code == 0 || r.code == 421;
      return r;
    }
    for (const auto& rcpt : recipients) {
      if (step("RCPT TO:<" + rcpt + ">", 2)) r.accepted.push_back(rcpt);
      else r.refused.push_back({rcpt, r.detail});
      if (r.code == 0 || r.code == 421) return r;  // the connection is gone: nothing more on it
    }
    if (r.accepted.empty()) return r;
    if (!step("DATA", 3)) return r;
  }
  if (!c.send(dataBlock(message))) {
    r.code = 0;
    r.detail = c.error();
    return r;
  }
  r.ok = step("", 2);
  if (r.code != 0) state_->clean = true;  // the server answered the end of data: the transaction is over
  return r;
}


SubmitResult SmtpClient::verify(const std::string& recipient) {
  SubmitResult r;
  if (checkAddresses("", {recipient}, r).empty()) return r;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = state_ != nullptr;
    if (!state_ && !connect(r)) {
      close();
      return r;
    }
    Connection& c = state_->connection;
    auto step = [&](const std::string& cmd, int expectClass) { return exchange(c, r, cmd, expectClass); };
    if ((!state_->clean && !step("RSET", 2)) || !step("MAIL FROM:<>", 2)) {
      const bool lost = r.code == 0 || r.code == 421;
      if (lost) close();
      if (lost && reused) continue;  // a cached connection closed meanwhile
      return r;
    }
    state_->clean = false;
    if (!charset::isAscii(recipient)) {  // MAIL was sent without SMTPUTF8: start again with it
      SubmitResult reset;
      if (!exchange(c, reset, "RSET", 2) || !step("MAIL FROM:<> SMTPUTF8", 2)) {
        close();
        return r;
      }
    }
    r.ok = step("RCPT TO:<" + recipient + ">", 2);
    if (r.ok) r.accepted.push_back(recipient);
    else if (r.code != 0) r.refused.push_back({recipient, r.detail});
    SubmitResult reset;
    if (r.code == 0 || r.code == 421 || !exchange(c, reset, "RSET", 2)) close();
    else state_->clean = true;
    return r;
  }
  return r;
}

SubmitResult SmtpClient::submit(const std::string& sender, const std::vector<std::string>& allRecipients,
                                const std::string& message) {
  SubmitResult invalid;
  const std::vector<std::string> recipients = checkAddresses(sender, allRecipients, invalid);
  if (recipients.empty()) return invalid;
  SubmitResult r;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = state_ != nullptr;
    if (!state_ && !connect(r)) {
      close();
      break;
    }
    bool lost = false;
    r = transaction(sender, recipients, message, lost);
    if (r.code == 0 || r.code == 421) close();  // unusable from here on
    else ++sent_;
    // A cached connection the server closed while idle: once more on a new one.
    if (!(lost && reused)) break;
  }
  r.refused.insert(r.refused.end(), invalid.refused.begin(), invalid.refused.end());
  return r;
}

SubmitResult submitMail(const std::string& hostPort, const std::string& sender,
                        const std::vector<std::string>& recipients, const std::string& message,
                        const SubmitOptions& options) {
  SmtpClient client(hostPort, options);
  return client.submit(sender, recipients, message);  // QUIT as the client goes
}

}  // namespace mugai
