// The console's sessions, in memory (a restart of mugai-web logs everyone
// out). OWASP's session rules: ids of 128 random bits (OpenSSL's CSPRNG)
// that say nothing, a new id at login (the pre-login session that carried
// the login form's CSRF token is dropped), an idle and an absolute
// timeout, and logout that ends the session on the server.
//
// A session before login (user "") exists only to bind the login form's
// CSRF token; there are at most kMaxSessions sessions, and when the table
// is full the oldest pre-login one goes first, so a flood of login-page
// requests cannot push out the sessions of people who are logged in.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace mugai::web {

struct Session {
  std::string id;          ///< the cookie value: 32 hex digits
  std::string user;        ///< "" = not logged in yet
  std::string role;        ///< "admin" / "auditor"
  bool originals = false;  ///< may hand out untouched originals
  bool sso = false;        ///< started from the trusted header
  std::string csrf;        ///< the token every POST form carries
  std::int64_t created = 0, lastSeen = 0;
};

class Sessions {
 public:
  static constexpr std::size_t kMaxSessions = 10000;

  /// `now` gives seconds since the epoch (tests pass their own clock).
  Sessions(std::int64_t idleSeconds, std::int64_t maxSeconds, std::function<std::int64_t()> now);

  /// A new session with fresh random id and CSRF token.
  Session create(const std::string& user, const std::string& role, bool originals, bool sso);
  /// The live session with this id (its idle timer restarted), or none.
  std::optional<Session> find(const std::string& id);
  void remove(const std::string& id);
  /// Ends every session of `user` (the account was deleted or locked).
  void removeUser(const std::string& user);

  /// 128 random bits as 32 hex digits. Throws std::runtime_error if the CSPRNG fails.
  static std::string randomToken();

 private:
  bool expired(const Session& s, std::int64_t now) const;

  std::int64_t idle_, max_;
  std::function<std::int64_t()> now_;
  std::mutex mutex_;
  std::map<std::string, Session> sessions_;
};

/// Whether two tokens are equal, in time that does not depend on where they differ.
bool sameToken(const std::string& a, const std::string& b);

}  // namespace mugai::web
