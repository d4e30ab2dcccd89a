// See smtp_submit.h.
#include "core/smtp_client.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/c_handles.h"

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
      if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) fd_ = std::move(fd);
      else error_ = "cannot connect to " + hostPort + ": " + std::strerror(errno);
    }
    ::freeaddrinfo(res);
  }
  bool ok() const { return static_cast<bool>(fd_); }
  const std::string& error() const { return error_; }

  bool send(const std::string& s) {
    for (std::size_t done = 0; done < s.size();) {
      ssize_t n = ::send(fd_.get(), s.data() + done, s.size() - done, MSG_NOSIGNAL);
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
        ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
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
};

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

}  // namespace

std::string addressOf(const std::string& field) {
  std::size_t lt = field.rfind('<'), gt = field.rfind('>');
  if (lt != std::string::npos && gt != std::string::npos && gt > lt) return field.substr(lt + 1, gt - lt - 1);
  std::size_t b = field.find_first_not_of(" \t"), e = field.find_last_not_of(" \t");
  return b == std::string::npos ? "" : field.substr(b, e - b + 1);
}

SubmitResult submitMail(const std::string& hostPort, const std::string& sender,
                        const std::vector<std::string>& recipients, const std::string& message, int timeout) {
  SubmitResult r;
  Connection c(hostPort, timeout);
  if (!c.ok()) {
    r.detail = c.error();
    return r;
  }
  std::string text;
  auto step = [&](const std::string& cmd, int expectClass) {
    if (!cmd.empty() && !c.send(cmd + "\r\n")) return false;
    int code = c.reply(text);
    r.detail = code ? text : c.error();
    r.code = code;
    return code / 100 == expectClass;
  };
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  if (!step("", 2)) return r;
  if (!step(std::string("EHLO ") + host, 2) && !step(std::string("HELO ") + host, 2)) return r;
  if (!step("MAIL FROM:<" + sender + ">", 2)) return r;
  for (const auto& rcpt : recipients) {
    if (step("RCPT TO:<" + rcpt + ">", 2)) r.accepted.push_back(rcpt);
    else r.refused.push_back({rcpt, r.detail});
  }
  if (r.accepted.empty()) return r;
  if (!step("DATA", 3)) return r;
  if (!c.send(dataBlock(message))) {
    r.detail = c.error();
    return r;
  }
  r.ok = step("", 2);
  std::string dataReply = r.detail;
  int dataCode = r.code;
  step("QUIT", 2);
  r.detail = dataReply;
  r.code = dataCode;
  return r;
}

}  // namespace mugai
