// See sessions.h.
#include "web/sessions.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace mugai::web {

Sessions::Sessions(std::int64_t idleSeconds, std::int64_t maxSeconds, std::function<std::int64_t()> now)
    : idle_(idleSeconds), max_(maxSeconds), now_(std::move(now)) {}

std::string Sessions::randomToken() {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("the random number generator failed");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

bool Sessions::expired(const Session& s, std::int64_t now) const {
  // A pre-login session lives as long as a login form may stay open.
  return now - s.lastSeen >= idle_ || now - s.created >= max_;
}

Session Sessions::create(const std::string& user, const std::string& role, bool originals, bool sso) {
  const std::int64_t now = now_();
  Session s{randomToken(), user, role, originals, sso, randomToken(), now, now};
  std::lock_guard lock(mutex_);
  if (sessions_.size() >= kMaxSessions) {
    for (auto it = sessions_.begin(); it != sessions_.end();)
      it = expired(it->second, now) ? sessions_.erase(it) : std::next(it);
    if (sessions_.size() >= kMaxSessions) {
      auto oldest = sessions_.end();
      for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
        if (it->second.user.empty() && (oldest == sessions_.end() || it->second.lastSeen < oldest->second.lastSeen))
          oldest = it;
      if (oldest == sessions_.end()) throw std::runtime_error("too many sessions");
      sessions_.erase(oldest);
    }
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

bool sameToken(const std::string& a, const std::string& b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace mugai::web
