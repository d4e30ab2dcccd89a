// The console's sessions, in memory (a restart of mugai-web logs everyone
// out). OWASP's session rules: ids of 128 random bits (OpenSSL's CSPRNG)
// that say nothing, a new id at login, an idle and an absolute timeout,
// and logout that ends the session on the server.
//
// Only logged-in people have a session. Before login (the login form, a
// recipient's request page) the CSRF token is stateless: a random cookie
// and its HMAC under a key of this process (PreLoginTokens), so no number
// of anonymous requests fills the table. An account has at most
// kMaxPerUser sessions (a new login ends its oldest), and a full table ends
// the session unused longest: logging in always works.
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
  std::string user;        ///< the account's name as the store spells it
  std::string role;        ///< "admin" / "auditor"
  bool originals = false;  ///< may hand out untouched originals
  bool sso = false;        ///< started from the trusted header
  std::string csrf;        ///< the token every POST form carries
  /// The account it belongs to (its password hash, salted anew at every
  /// change): a new password, or the account deleted and made again, ends it.
  std::string accountStamp;
  std::int64_t created = 0, lastSeen = 0;
};

class Sessions {
 public:
  static constexpr std::size_t kMaxSessions = 10000;
  static constexpr std::size_t kMaxPerUser = 10;

  /// `now` gives seconds since the epoch (tests pass their own clock).
  Sessions(std::int64_t idleSeconds, std::int64_t maxSeconds, std::function<std::int64_t()> now);

  /// A new session with fresh random id and CSRF token.
  Session create(const std::string& user, const std::string& role, bool originals, bool sso, const std::string& accountStamp);
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

/// The CSRF tokens of forms shown before login: HMAC-SHA256 of the
/// __Host-mugai-pre cookie under a random key of this process.
class PreLoginTokens {
 public:
  PreLoginTokens();
  /// The token that goes with cookie value `cookie` (32 hex digits).
  std::string token(const std::string& cookie) const;

 private:
  std::string key_;
};

/// Whether two tokens are equal, in time that does not depend on where they differ.
bool sameToken(const std::string& a, const std::string& b);

}  // namespace mugai::web
