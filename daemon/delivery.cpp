// See delivery.h.
#include "daemon/delivery.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>

#include "core/durable_file.h"
#include "core/smtp_client.h"

namespace mugai::daemon {
namespace fs = std::filesystem;
namespace {

// A recipient as a directory name: the address when it is plainly safe,
// else a hex spelling (a hostile address never becomes a path).
std::string mailboxName(const std::string& rcpt) {
  bool safe = !rcpt.empty() && rcpt.size() < 200 && rcpt[0] != '.';
  for (unsigned char c : rcpt) safe = safe && (std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '+' || c == '@');
  if (safe) return rcpt;
  static const char* hex = "0123456789abcdef";
  std::string out = "x-";
  for (unsigned char c : rcpt) out += hex[c >> 4], out += hex[c & 15];
  return out.substr(0, 200);
}

DeliveryResult toMaildir(const QueuedMessage& m, const std::vector<std::string>& rcpts, const std::string& base,
                         const std::string& hostname) {
  static std::atomic<unsigned> counter{0};
  DeliveryResult r;
  for (const auto& rcpt : rcpts) {
    fs::path box = fs::path(base) / mailboxName(rcpt);
    std::error_code ec;
    for (const char* sub : {"tmp", "new", "cur"}) fs::create_directories(box / sub, ec);
    auto now = std::chrono::system_clock::now().time_since_epoch();
    // Maildir unique name: time, queue id and a counter, host.
    std::string name = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count()) + "." + m.id +
                       "_" + std::to_string(counter++) + "." + hostname;
    std::string header = "Delivered-To: " + rcpt + "\r\nReturn-Path: <" + m.envelope.mailFrom + ">\r\n";
    WriteOptions o;
    o.tmpDir = (box / "tmp").string();
    std::string error = ec ? ec.message() : writeFileDurably((box / "new" / name).string(), header + m.data, o);
    r.detail = error.empty() ? "maildir " + (box / "new" / name).string() : "maildir error: " + error;
    r.recipients.push_back({rcpt, error.empty() ? RecipientOutcome::Delivered : RecipientOutcome::Deferred, r.detail});
  }
  return r;
}

// This thread's open connections, by next hop and the settings they were
// opened with (a reload with other TLS settings opens new ones).
struct Cached {
  std::unique_ptr<SmtpClient> client;
  std::chrono::steady_clock::time_point opened, used;
};
thread_local std::map<std::string, Cached> connections;

DeliveryResult toSmtp(const QueuedMessage& m, const std::vector<std::string>& rcpts, const std::string& hostPort,
                      const DaemonConfig& config) {
  DeliveryResult r;
  SubmitOptions o;
  o.timeoutSeconds = 300;  // RFC 5321 4.5.3.2: minutes, not seconds, for a slow next hop
  o.tls = config.nextHopTlsPolicy;
  o.caFile = config.nextHopCaFile;
  o.heloName = config.hostname;
  const auto now = std::chrono::steady_clock::now();
  const std::string key = hostPort + "\n" + config.nextHopTls + "\n" + o.caFile + "\n" + o.heloName;
  Cached& cached = connections[key];
  const std::chrono::seconds idle(config.nextHopReuseSeconds);
  if (cached.client && (!cached.client->open() || now - cached.used >= idle || now - cached.opened >= kReuseLife))
    cached.client.reset();  // QUIT
  if (!cached.client) {
    cached.client = std::make_unique<SmtpClient>(hostPort, o);
    cached.opened = now;
  }
  SubmitResult s = cached.client->submit(m.envelope.mailFrom, rcpts, m.data);
  cached.used = std::chrono::steady_clock::now();
  const int use = cached.client->messagesOnConnection();
  if (!cached.client->open() || idle.count() == 0) connections.erase(key);
  r.detail = s.detail.empty() ? "no reply" : s.detail;
  if (!s.tls.empty()) r.detail += " tls=" + s.tls;
  if (use > 0) r.detail += " conn_use=" + std::to_string(use);  // the n-th message on this connection
  for (const auto& rcpt : rcpts) {
    bool accepted = std::find(s.accepted.begin(), s.accepted.end(), rcpt) != s.accepted.end();
    RecipientOutcome o = RecipientOutcome::Deferred;
    std::string why = r.detail;
    if (accepted && s.ok) o = RecipientOutcome::Delivered;
    else if (accepted && s.code / 100 == 5) o = RecipientOutcome::Failed;  // DATA refused for good
    else if (!accepted)
      for (const auto& [who, reply] : s.refused)
        if (who == rcpt) {
          why = reply;
          if (!reply.empty() && reply[0] == '5') o = RecipientOutcome::Failed;
        }
    r.recipients.push_back({rcpt, o, why});
  }
  return r;
}

}  // namespace

void closeIdleConnections(std::chrono::seconds idle) {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = connections.begin(); it != connections.end();)
    if (now - it->second.used >= idle) it = connections.erase(it);  // QUIT
    else ++it;
}

DeliveryResult deliver(const QueuedMessage& message, const std::vector<std::string>& recipients, const std::string& hop,
                       const DaemonConfig& config) {
  if (hop.rfind("maildir:", 0) == 0) return toMaildir(message, recipients, hop.substr(8), config.hostname);
  return toSmtp(message, recipients, hop.substr(5), config);
}

}  // namespace mugai::daemon
