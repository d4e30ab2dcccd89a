// The quarantine console's request handling, apart from the network
// (web/server.h feeds it parsed requests; the tests call handle()
// directly). One route table; every route says which role it needs.
//
//   GET  /login, POST /login, POST /logout, POST /lang
//   GET  /items                 search (any role)
//   GET  /items/ID              detail: header fields, what was done, audit entries (any role)
//   GET  /items/ID/preview      the text a reader would see, as the release policy leaves it
//                               (HTML converted to text in a job worker; any role; audited)
//   POST /items/ID/release      re-sanitized, or the untouched original (admin; the original:
//                               --originals, a reason and the password again)
//   POST /items/ID/download     the untouched original as .eml (as the original above)
//   POST /items/ID/purge        (admin)
//   POST /bulk                  release or purge the selected items (admin)
//   GET  /audit, /audit.csv     the audit log (any role)
//   GET  /request/ID?until&sig  a recipient's request page (no account: the signed link of a
//   POST /request/ID            notice, core/request_link.h); it can only ask, never release
//   GET  /requests              the pending queue (any role)
//   POST /requests/N/approve    release to the requester, re-sanitized (admin); /deny (admin);
//                               the requester is told by mail either way
//   GET  /static/...            the console's own CSS and JS
//
// Web security, as OWASP describes it: the session cookie is
// __Host-mugai (Secure; HttpOnly; SameSite=Strict); every POST needs the
// session's CSRF token, and is refused when Origin or Sec-Fetch-Site say
// it came from another site; GET never changes anything; every response
// carries a CSP without inline script (default-src 'self';
// frame-ancestors 'none'), nosniff, a same-origin referrer policy and no-store; every string
// that came from a mail is escaped (web/html.h). Logins are throttled per
// account (a lock after login_max_failures in a row, kept in the store so
// every node sees it) and per client address (in memory).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/job/pool.h"
#include "core/quarantine/release.h"
#include "core/quarantine/store.h"
#include "web/html.h"
#include "web/sessions.h"
#include "web/web_config.h"

namespace mugai::web {

struct Request {
  std::string method;  ///< "GET", "HEAD", "POST", ...
  std::string target;  ///< "/items?subject=..."
  std::string peer;    ///< the client's address (of the TCP connection)
  /// Field names in lower case; a repeated field's values joined with ", "
  /// (cookies with "; ").
  std::map<std::string, std::string> headers;
  std::string body;
  std::string header(const std::string& lowerName) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// The first value of `name` (case-insensitive), or "".
  std::string header(const std::string& name) const;
};

class Console {
 public:
  /// `now` is the clock (seconds since the epoch); `store` must outlive the console.
  Console(Config config, WebConfig web, quarantine::QuarantineStore& store, std::function<std::int64_t()> now);
  ~Console();

  /// Never throws: an unexpected error is a 500 page (and a log line).
  Response handle(const Request& request);

  /// The session cookie's name.
  static constexpr const char* kCookie = "__Host-mugai";

  /// One request on its way through (console_context.h).
  struct Context;

 private:
  using Handler = Response (Console::*)(Context&);
  struct Route;

  Response dispatch(Context& c);
  bool resolveSession(Context& c, Response& early);
  bool postAllowed(Context& c, Response& early);

  Response loginPage(Context& c);
  Response loginPost(Context& c);
  Response logoutPost(Context& c);
  Response languagePost(Context& c);
  Response itemsPage(Context& c);
  Response itemPage(Context& c);
  Response previewPage(Context& c);
  Response releasePost(Context& c);
  Response downloadPost(Context& c);
  Response purgePost(Context& c);
  Response bulkPost(Context& c);
  Response auditPage(Context& c);
  Response auditCsv(Context& c);
  Response requestPage(Context& c);
  Response requestPost(Context& c);
  Response requestsPage(Context& c);
  Response approvePost(Context& c);
  Response denyPost(Context& c);
  /// The request an approve or deny form names, claimed for this
  /// administrator; or none (a 404 or 409 page in `error`).
  std::optional<quarantine::ReleaseRequest> claimedRequest(Context& c, Response& error);
  /// Mails the requester of `request` the decision `body` (with the
  /// request's quarantine id); a failure is audited.
  void tellRequester(Context& c, const quarantine::ReleaseRequest& request, const std::string& body);
  /// The item of a signed request link, or none (a 4xx page in `error`).
  std::optional<quarantine::Item> linkedItem(Context& c, const std::string& until, const std::string& sig, Response& error);
  /// Mails `to` (through [quarantine] release_relay) a plain-text notice in
  /// Japanese and English. Returns "" or what went wrong (logged, audited by the caller).
  std::string sendMail(const std::vector<std::string>& to, const std::string& subject, const std::string& body);

  // Shared by the pages.
  std::string layout(Context& c, const std::string& title, const std::string& body);
  Response html(Context& c, int status, const std::string& title, const std::string& body);
  Response message(Context& c, int status, const std::string& title, const std::string& text);
  Response redirect(const std::string& location);
  /// Checks the account's password again (re-authentication); a failure counts as a failed login.
  bool reauthenticated(Context& c);
  quarantine::Actor actor(const Context& c) const;
  job::Pool& pool();

  /// Per client address: failed logins in the current window.
  bool addressThrottled(const std::string& client);
  void addressFailed(const std::string& client);
  /// Before login: the __Host-mugai-pre cookie (set when missing) and its token.
  void preLoginToken(Context& c);

  Config config_;
  WebConfig web_;
  quarantine::QuarantineStore& store_;
  std::function<std::int64_t()> now_;
  Sessions sessions_;
  PreLoginTokens pre_;
  std::string dummyHash_;  ///< verified against for unknown names, so they take as long as known ones
  std::mutex poolMutex_;
  std::unique_ptr<job::Pool> pool_;
  std::mutex throttleMutex_;
  std::map<std::string, std::pair<std::int64_t, int>> failures_;  ///< peer -> (window start, count)
  /// client -> (window start, requests accepted, requests refused) in the current hour
  std::map<std::string, std::tuple<std::int64_t, int, int>> requestsBy_;
};

}  // namespace mugai::web
