// See sessions.h.
#include "web/sessions.h"
#include "core/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace mugai::web {
Sessions::Sessions(std::int64_t idleSeconds, std::int64_t maxSeconds, std::function<std::int64_t()> now)
    : idle_(idleSeconds), max_(maxSeconds), now_(std::move(now)) {}

std::string Sessions::randomToken() {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("the random number generator failed");
  return toHex(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

bool Sessions::expired(const Session& s, std::int64_t now) const {
  return now - s.lastSeen >= idle_ || now - s.created >= max_;
}

Session Sessions::create(const std::string& user, const std::string& role, bool originals, bool sso,
                         const std::string& accountStamp) {
  const std::int64_t now = now_();
  Session s{randomToken(), user, role, originals, sso, randomToken(), accountStamp, now, now};
  std::lock_guard lock(mutex_);
  auto oldestOf = [&](auto&& which) {
    auto oldest = sessions_.end();
    std::size_t n = 0;
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
      if (which(it->second)) {
        ++n;
        if (oldest == sessions_.end() || it->second.lastSeen < oldest->second.lastSeen) oldest = it;
      }
    return std::make_pair(oldest, n);
  };
  if (auto [oldest, n] = oldestOf([&](const Session& o) { return o.user == user; }); n >= kMaxPerUser) sessions_.erase(oldest);
  if (sessions_.size() >= kMaxSessions) {
    for (auto it = sessions_.begin(); it != sessions_.end();)
      it = expired(it->second, now) ? sessions_.erase(it) : std::next(it);
    if (sessions_.size() >= kMaxSessions) sessions_.erase(oldestOf([](const Session&) { return true; }).first);
  }
  sessions_[s.id] = s;
  return s;
}

std::optional<Session> Sessions::find(const std::string& id) {
  const std::int64_t now = now_();
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (expired(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.lastSeen = now;
  return it->second;
}

void Sessions::remove(const std::string& id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(id);
}

void Sessions::removeUser(const std::string& user) {
  std::lock_guard lock(mutex_);
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it = !user.empty() && it->second.user == user ? sessions_.erase(it) : std::next(it);
}

PreLoginTokens::PreLoginTokens() {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("the random number generator failed");
  key_.assign(reinterpret_cast<const char*>(raw), sizeof raw);
}

std::string PreLoginTokens::token(const std::string& cookie) const {
  const std::string message = "mugai-pre-login-v1\n" + cookie;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(message.data()),
            message.size(), mac, &length))
    throw std::runtime_error("HMAC-SHA256 failed");
  return toHex(std::string_view(reinterpret_cast<const char*>(mac), 16));
}

bool sameToken(const std::string& a, const std::string& b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace mugai::web
