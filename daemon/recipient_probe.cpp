// See recipient_probe.h.
#include "daemon/recipient_probe.h"

#include <cctype>

#include "core/log_escape.h"
#include "core/smtp_client.h"
#include "daemon/log.h"

namespace mugai::daemon {
namespace {

std::string key(const std::string& r) {
  std::string k = r;
  for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return k;
}

constexpr std::size_t kMaxEntries = 100000;  // a flood of random names must not grow the cache without end

}  // namespace

std::optional<std::string> RecipientProbe::cached(const std::string& recipient) {
  std::lock_guard lock(mutex_);
  auto it = cache_.find(key(recipient));
  if (it == cache_.end()) return std::nullopt;
  if (it->second.expires <= std::chrono::steady_clock::now()) {
    cache_.erase(it);
    return std::nullopt;
  }
  return it->second.reply;
}

std::size_t RecipientProbe::size() {
  std::lock_guard lock(mutex_);
  return cache_.size();
}

std::string RecipientProbe::probe(const std::string& recipient, const DaemonConfig& config) {
  const std::string hop = config.routeFor(recipient, false);
  if (hop.rfind("smtp:", 0) != 0) return "";  // a local maildir: nothing to ask
  const std::string later = "450 4.1.1 <" + recipient + ">: Recipient address rejected: unverified address, try again later";
  {
    std::lock_guard lock(mutex_);
    auto down = hopDownUntil_.find(hop);
    if (down != hopDownUntil_.end() && down->second > std::chrono::steady_clock::now()) return later;
  }
  SubmitOptions o;
  o.timeoutSeconds = config.verifyTimeoutSeconds;
  o.tls = config.nextHopTlsPolicy;
  o.caFile = config.nextHopCaFile;
  o.heloName = config.hostname;
  SmtpClient client(hop.substr(5), o);
  SubmitResult r = client.verify(recipient);
  std::string reply;
  std::chrono::seconds ttl{0};
  if (r.ok) {
    ttl = std::chrono::seconds(config.verifyPositiveSeconds);
  } else if (r.code / 100 == 5) {
    reply = "550 5.1.1 <" + recipient + ">: Recipient address rejected: undeliverable address (宛先が存在しません)";
    ttl = std::chrono::seconds(config.verifyNegativeSeconds);
  } else {
    reply = later;
    std::lock_guard lock(mutex_);
    hopDownUntil_[hop] = std::chrono::steady_clock::now() + kHopBackoff;
  }
  logEvent("verify to=" + logValue(recipient) + " via " + hop + " result=" + (r.ok ? "ok" : r.code / 100 == 5 ? "refused" : "deferred") +
           " reply=" + logValue(r.detail));
  if (ttl.count() > 0) {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (cache_.size() >= kMaxEntries)  // expired entries go first
      std::erase_if(cache_, [&](const auto& e) { return e.second.expires <= now; });
    if (cache_.size() >= kMaxEntries)  // then refused ones (a flood of random names), never the known good
      std::erase_if(cache_, [](const auto& e) { return !e.second.reply.empty(); });
    if (cache_.size() < kMaxEntries) cache_[key(recipient)] = {reply, now + ttl};
  }
  return reply;
}

}  // namespace mugai::daemon
