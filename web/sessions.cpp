// See sessions.h.
#include "web/sessions.h"
#include "core/hash.h"

#include <openssl/crypto.h>

namespace mugai::web {
Sessions::Sessions(std::int64_t idleSeconds, std::int64_t maxSeconds, std::function<std::int64_t()> now)
    : idle_(idleSeconds), max_(maxSeconds), now_(std::move(now)) {}

std::string Sessions::randomToken() { return toHex(randomBytes(16)); }

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

PreLoginTokens::PreLoginTokens() : key_(randomBytes(32)) {}

std::string PreLoginTokens::token(const std::string& cookie) const {
  return toHex(hmacSha256(key_, "mugai-pre-login-v1\n" + cookie).substr(0, 16));
}

bool sameToken(const std::string& a, const std::string& b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace mugai::web
