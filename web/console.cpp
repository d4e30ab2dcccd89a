// See console.h: routing, sessions, login and the checks every request
// passes. The pages are in pages.cpp, the actions in actions.cpp.
#include "web/console.h"
#include "core/ascii_case.h"

#include <cctype>
#include <iostream>

#include "core/log_escape.h"
#include "core/password_hash.h"
#include "core/quarantine/release.h"
#include "web/console_context.h"

namespace mugai::web {

std::string Request::header(const std::string& lowerName) const {
  auto it = headers.find(lowerName);
  return it == headers.end() ? "" : it->second;
}

std::string Response::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (equalsIgnoreCase(k, name)) return v;
  return "";
}

namespace {

constexpr int kLoginWindowSeconds = 15 * 60;
constexpr int kLoginFailuresPerAddress = 20;
constexpr const char* kLangCookie = "__Host-mugai-lang";
constexpr const char* kPreCookie = "__Host-mugai-pre";

bool hex32(const std::string& s) {
  return s.size() == 32 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// What a session is bound to: the account's password hash, whose random
// salt is new at every password change and every account made again.
std::string accountStamp(const quarantine::WebUser& u) { return u.hash; }

// name=value pairs of a query string or a form body.
std::multimap<std::string, std::string> parsePairs(std::string_view text) {
  std::multimap<std::string, std::string> out;
  std::size_t i = 0;
  while (i <= text.size() && out.size() < 5000) {
    std::size_t amp = text.find('&', i);
    if (amp == std::string_view::npos) amp = text.size();
    std::string_view pair = text.substr(i, amp - i);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      out.emplace(urlDecode(pair.substr(0, eq)), eq == std::string_view::npos ? "" : urlDecode(pair.substr(eq + 1)));
    }
    i = amp + 1;
  }
  return out;
}

std::string cookie(const Request& r, std::string_view name) {
  const std::string all = r.header("cookie");
  std::size_t i = 0;
  while (i < all.size()) {
    std::size_t end = all.find(';', i);
    if (end == std::string::npos) end = all.size();
    std::string_view c = std::string_view(all).substr(i, end - i);
    while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
    if (c.size() > name.size() && c.substr(0, name.size()) == name && c[name.size()] == '=')
      return std::string(c.substr(name.size() + 1));
    i = end + 1;
  }
  return "";
}

std::string sessionCookie(const std::string& id) {
  return std::string(Console::kCookie) + "=" + id + "; Path=/; Secure; HttpOnly; SameSite=Strict";
}

// A path of ours to go back to: "/..." and nothing that leaves the site.
bool localPath(const std::string& p) {
  if (p.empty() || p[0] != '/' || (p.size() > 1 && (p[1] == '/' || p[1] == '\\')) || p.size() > 2000) return false;
  for (unsigned char ch : p)
    if (ch < 0x21 || ch == 0x7F || ch == '\\') return false;
  return true;
}

}  // namespace

struct Console::Route {
  const char* method;
  const char* path;   ///< exact, or a prefix ending in "/" with `item` set
  bool item;          ///< path is "/items/" + ID + suffix
  const char* suffix;
  Handler handler;
  const char* role;   ///< "" = anyone (no session needed), "any" = logged in, "admin"
};

Console::Console(Config config, WebConfig web, quarantine::QuarantineStore& store, std::function<std::int64_t()> now)
    : config_(std::move(config)),
      web_(std::move(web)),
      store_(store),
      now_(std::move(now)),
      sessions_(static_cast<std::int64_t>(web_.sessionIdleMinutes) * 60, static_cast<std::int64_t>(web_.sessionMaxHours) * 3600,
                now_),
      dummyHash_(hashPassword(Sessions::randomToken())) {}

Console::~Console() = default;

Response Console::handle(const Request& request) {
  Context c(request);
  c.client = request.peer;
  if (const std::string forwarded = request.header("x-forwarded-for"); !forwarded.empty()) {
    // Behind a trusted proxy the client is the last address it appended.
    bool trusted = false;
    for (const Network& n : web_.trustedProxies) trusted = trusted || n.contains(request.peer);
    std::string last = forwarded.substr(forwarded.rfind(',') == std::string::npos ? 0 : forwarded.rfind(',') + 1);
    while (!last.empty() && last.front() == ' ') last.erase(0, 1);
    while (!last.empty() && last.back() == ' ') last.pop_back();
    Network probe;
    if (trusted && parseNetwork(last, probe)) c.client = last;
  }
  c.lang = web_.language == "en" ? Lang::En : Lang::Ja;
  const std::string langCookie = cookie(request, kLangCookie);
  if (langCookie == "ja") c.lang = Lang::Ja;
  if (langCookie == "en") c.lang = Lang::En;
  Response r;
  try {
    r = dispatch(c);
  } catch (const std::exception& e) {
    std::cerr << "mugai-web: error on " << logValue(request.method) << " " << logValue(c.path) << ": " << logValue(e.what())
              << "\n";
    r = message(c, 500, tr(c.lang, "not_done"), tr(c.lang, "error"));
  }
  // Every response, error pages included.
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  // same-origin, not no-referrer: with no-referrer a browser sends "Origin:
  // null" on our own form posts, and ids in URLs still never leave the site.
  r.headers.emplace_back("Referrer-Policy", "same-origin");
  r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  r.headers.emplace_back("Strict-Transport-Security", "max-age=31536000");
  if (r.header("Cache-Control").empty()) r.headers.emplace_back("Cache-Control", "no-store");
  for (const auto& set : c.setCookies) r.headers.emplace_back("Set-Cookie", set);
  std::cerr << "mugai-web: " << logValue(c.client) << " " << (c.session ? logValue(c.session->user) : "-") << " "
            << logValue(request.method) << " " << logValue(c.path) << " " << r.status << "\n";
  return r;
}

Response Console::dispatch(Context& c) {
  static const Route routes[] = {
      {"GET", "/login", false, "", &Console::loginPage, ""},
      {"POST", "/login", false, "", &Console::loginPost, ""},
      {"POST", "/logout", false, "", &Console::logoutPost, "any"},
      {"POST", "/lang", false, "", &Console::languagePost, ""},
      {"GET", "/items", false, "", &Console::itemsPage, "any"},
      {"GET", "/items/", true, "/preview", &Console::previewPage, "any"},
      {"GET", "/items/", true, "", &Console::itemPage, "any"},
      {"POST", "/items/", true, "/release", &Console::releasePost, "admin"},
      {"POST", "/items/", true, "/download", &Console::downloadPost, "admin"},
      {"POST", "/items/", true, "/purge", &Console::purgePost, "admin"},
      {"POST", "/bulk", false, "", &Console::bulkPost, "admin"},
      {"GET", "/audit", false, "", &Console::auditPage, "any"},
      {"GET", "/audit.csv", false, "", &Console::auditCsv, "any"},
      {"GET", "/request/", true, "", &Console::requestPage, ""},
      {"POST", "/request/", true, "", &Console::requestPost, ""},
      {"GET", "/requests", false, "", &Console::requestsPage, "any"},
      {"POST", "/requests/", true, "/approve", &Console::approvePost, "admin"},
      {"POST", "/requests/", true, "/deny", &Console::denyPost, "admin"},
  };
  const std::string& target = c.request.target;
  const std::size_t q = target.find('?');
  c.path = target.substr(0, q);
  if (q != std::string::npos) c.query = parsePairs(std::string_view(target).substr(q + 1));
  std::string method = c.request.method == "HEAD" ? "GET" : c.request.method;
  if (c.path.empty() || c.path[0] != '/') return message(c, 400, tr(c.lang, "not_done"), tr(c.lang, "bad_request"));

  if (method == "GET" && c.path.rfind("/static/", 0) == 0) return staticFile(c.path);
  if (method == "GET" && c.path == "/") return redirect("/items");

  const Route* route = nullptr;
  bool pathKnown = false;
  for (const Route& r : routes) {
    if (r.item) {
      const std::string prefix = r.path;
      if (c.path.rfind(prefix, 0) != 0) continue;
      const std::string rest = c.path.substr(prefix.size());
      const std::string suffix = r.suffix;
      if (rest.size() < suffix.size() || rest.compare(rest.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
      const std::string id = rest.substr(0, rest.size() - suffix.size());
      if (id.empty() || id.find('/') != std::string::npos) continue;
      pathKnown = true;
      if (method != r.method) continue;
      c.itemId = id;
    } else {
      if (c.path != r.path) continue;
      pathKnown = true;
      if (method != r.method) continue;
    }
    route = &r;
    break;
  }
  if (!route) {
    Response r = message(c, pathKnown ? 405 : 404, tr(c.lang, "not_done"), tr(c.lang, pathKnown ? "bad_request" : "not_found"));
    if (pathKnown) r.headers.emplace_back("Allow", "GET, HEAD, POST");
    return r;
  }

  Response early;
  if (!resolveSession(c, early)) return early;
  if (c.session) c.csrf = c.session->csrf;
  else preLoginToken(c);
  if (method == "POST") {
    if (c.request.header("content-type").rfind("application/x-www-form-urlencoded", 0) != 0)
      return message(c, 415, tr(c.lang, "not_done"), tr(c.lang, "bad_request"));
    c.form = parsePairs(c.request.body);
    if (!postAllowed(c, early)) return early;
  }
  const std::string role = route->role;
  if (!role.empty() && !c.session) {
    if (method == "GET") return redirect("/login");
    return message(c, 401, tr(c.lang, "login"), tr(c.lang, "login_required"));
  }
  if (role == "admin" && c.session->role != "admin") return message(c, 403, tr(c.lang, "not_done"), tr(c.lang, "forbidden"));
  return (this->*route->handler)(c);
}

// The session of the request: its cookie's, or one started from the
// trusted header of a configured proxy. Returns false with a response
// when the request must stop here.
bool Console::resolveSession(Context& c, Response& early) {
  if (const std::string id = cookie(c.request, kCookie); !id.empty()) c.session = sessions_.find(id);
  if (c.session) {
    // The account as it is now: a deleted account, a new password, or an
    // account deleted and made again ends the session at once; a changed
    // right applies to the next request.
    auto account = store_.user(c.session->user);
    if (!account || accountStamp(*account) != c.session->accountStamp) {
      sessions_.remove(c.session->id);
      c.session.reset();
    } else {
      c.session->role = account->role;
      c.session->originals = account->originals && account->role == "admin";
    }
  }
  // The recipients' request pages and the static files never sign anyone in.
  if (web_.trustedHeader.empty() || c.path.rfind("/request/", 0) == 0 || c.path.rfind("/static/", 0) == 0) return true;
  const std::string name = c.request.header(toLower(web_.trustedHeader));
  bool trusted = false;
  for (const Network& n : web_.trustedProxies) trusted = trusted || n.contains(c.request.peer);
  if (!trusted || name.empty()) return true;  // an untrusted client's header is ignored
  if (c.session && c.session->sso && equalsIgnoreCase(c.session->user, name)) return true;
  auto account = store_.user(name);
  if (!account) {
    quarantine::recordAudit(store_, {name.substr(0, 64), "", "web:" + c.client}, "", "login", "single sign-on",
                            "refused: no console account");
    early = message(c, 403, tr(c.lang, "not_done"), tr(c.lang, "sso_unknown"));
    return false;
  }
  if (c.session) sessions_.remove(c.session->id);
  c.session = sessions_.create(account->name, account->role, account->originals && account->role == "admin", true,
                               accountStamp(*account));
  c.setCookies.push_back(sessionCookie(c.session->id));
  store_.loginSucceeded(account->name, now_());
  quarantine::recordAudit(store_, actor(c), "", "login", "single sign-on (" + web_.trustedHeader + ")", "ok");
  return true;
}

void Console::preLoginToken(Context& c) {
  std::string value = cookie(c.request, kPreCookie);
  if (!hex32(value)) {
    if (c.request.method != "GET" && c.request.method != "HEAD") return;  // a POST without one fails its check
    value = Sessions::randomToken();
    c.setCookies.push_back(std::string(kPreCookie) + "=" + value + "; Path=/; Secure; HttpOnly; SameSite=Strict");
  }
  c.csrf = pre_.token(value);
}

// A POST must come from our own pages: Sec-Fetch-Site and Origin, when the
// browser sends them, must say so, and the form must carry the session's
// CSRF token.
bool Console::postAllowed(Context& c, Response& early) {
  const std::string site = c.request.header("sec-fetch-site");
  const std::string origin = c.request.header("origin");
  const bool crossSite = (!site.empty() && site != "same-origin" && site != "none") ||
                         (!origin.empty() && origin != "https://" + c.request.header("host"));
  if (crossSite || !sameToken(c.field("csrf"), c.csrf)) {
    early = message(c, 403, tr(c.lang, "not_done"), tr(c.lang, "csrf"));
    return false;
  }
  return true;
}

Response Console::loginPage(Context& c) {
  if (c.session) return redirect("/items");
  return html(c, 200, tr(c.lang, "login"), loginForm(c, ""));
}

Response Console::loginPost(Context& c) {
  const std::string name = c.field("user").substr(0, 256);
  const std::string password = c.field("password");
  const std::string client = "web:" + c.client;
  if (addressThrottled(c.client)) {
    Response r = html(c, 429, tr(c.lang, "login"), loginForm(c, tr(c.lang, "login_throttled")));
    r.headers.emplace_back("Retry-After", std::to_string(kLoginWindowSeconds));
    return r;
  }
  const std::int64_t now = now_();
  auto account = store_.user(name);
  // An unknown name costs one hash too, so timing does not tell which names exist.
  const bool good = account ? verifyPassword(account->hash, password) : (verifyPassword(dummyHash_, password), false);
  const bool locked = account && account->lockedUntil > now;
  if (!good || locked) {
    addressFailed(c.client);
    std::string result = "failed";
    if (locked) result = "refused: locked";
    else if (account && store_.loginFailed(account->name, now, web_.loginMaxFailures, web_.loginLockMinutes * 60) > 0)
      result = "failed; locked for " + std::to_string(web_.loginLockMinutes) + " min after " +
               std::to_string(web_.loginMaxFailures) + " failures";
    quarantine::recordAudit(store_, {account ? account->name : name.substr(0, 64), account ? account->role : "", client}, "",
                            "login", "password", result);
    return html(c, 401, tr(c.lang, "login"), loginForm(c, tr(c.lang, "login_failed")));
  }
  store_.loginSucceeded(account->name, now);
  if (c.session) sessions_.remove(c.session->id);  // a new id at login
  c.session = sessions_.create(account->name, account->role, account->originals && account->role == "admin", false,
                               accountStamp(*account));
  c.setCookies.push_back(sessionCookie(c.session->id));
  quarantine::recordAudit(store_, actor(c), "", "login", "password", "ok");
  return redirect("/items");
}

Response Console::logoutPost(Context& c) {
  quarantine::recordAudit(store_, actor(c), "", "logout", "", "ok");
  sessions_.remove(c.session->id);
  c.setCookies.push_back(std::string(kCookie) + "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
  c.session.reset();
  return redirect("/login");
}

Response Console::languagePost(Context& c) {
  const std::string lang = c.field("lang") == "en" ? "en" : "ja";
  c.setCookies.push_back(std::string(kLangCookie) + "=" + lang + "; Path=/; Secure; SameSite=Strict; Max-Age=31536000");
  const std::string back = c.field("back");
  return redirect(localPath(back) ? back : "/items");
}

Response Console::redirect(const std::string& location) {
  Response r;
  r.status = 303;
  r.headers.emplace_back("Location", location);
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  return r;
}

Response Console::html(Context& c, int status, const std::string& title, const std::string& body) {
  Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
  r.body = layout(c, title, body);
  return r;
}

Response Console::message(Context& c, int status, const std::string& title, const std::string& text) {
  std::string body = "<p class=\"message\">" + h(text) + "</p>";
  if (c.session && !c.session->user.empty()) body += "<p><a href=\"/items\">" + h(tr(c.lang, "back")) + "</a></p>";
  else body += "<p><a href=\"/login\">" + h(tr(c.lang, "login")) + "</a></p>";
  return html(c, status, title, body);
}

quarantine::Actor Console::actor(const Context& c) const {
  return {c.session ? c.session->user : "", c.session ? c.session->role : "", "web:" + c.client};
}

bool Console::reauthenticated(Context& c) {
  auto account = store_.user(c.session->user);
  const std::int64_t now = now_();
  if (!account || account->lockedUntil > now) return false;
  if (verifyPassword(account->hash, c.field("password"))) return true;
  if (store_.loginFailed(account->name, now, web_.loginMaxFailures, web_.loginLockMinutes * 60) > 0)
    sessions_.removeUser(account->name);  // locked: this session ends too
  quarantine::recordAudit(store_, actor(c), c.itemId, "reauth", "password", "failed");
  return false;
}

job::Pool& Console::pool() {
  std::lock_guard lock(poolMutex_);
  if (!pool_) {
    pool_ = std::make_unique<job::Pool>(job::setupFor(config_), job::optionsFor(config_));
    pool_->check();
  }
  return *pool_;
}

bool Console::addressThrottled(const std::string& peer) {
  std::lock_guard lock(throttleMutex_);
  auto it = failures_.find(peer);
  if (it == failures_.end()) return false;
  if (now_() - it->second.first >= kLoginWindowSeconds) {
    failures_.erase(it);
    return false;
  }
  return it->second.second >= kLoginFailuresPerAddress;
}

void Console::addressFailed(const std::string& peer) {
  std::lock_guard lock(throttleMutex_);
  const std::int64_t now = now_();
  if (failures_.size() > 100000) failures_.clear();  // a flood from many addresses: start over rather than grow
  auto& [start, count] = failures_[peer];
  if (now - start >= kLoginWindowSeconds) start = now, count = 0;
  ++count;
}

}  // namespace mugai::web
