// The console's handlers, every route and every refusal, without the
// network: requests go straight into Console::handle(). What a browser
// would check is judged outside our code where it matters: Python's
// html.parser reads the pages of the stored-XSS test, Python's email
// package the released mail, Python's csv the audit export, and the
// downloaded original is compared with the file we stored.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <atomic>
#include <fstream>
#include <regex>

#include "core/config.h"
#include "core/hash.h"
#include "core/ids.h"
#include "core/password_hash.h"
#include "core/quarantine/store.h"
#include "core/request_link.h"
#include "test/common/cli_run.h"
#include "test/common/python_judge.h"
#include "test/common/smtp_sink.h"
#include "web/console.h"
#include "web/web_config.h"

namespace fs = std::filesystem;
using namespace mugai;
using namespace mugai::web;
using Catch::Matchers::ContainsSubstring;

namespace {

const std::string kPassword = "correct horse battery";
const std::string kKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

std::string readSample(const std::string& name) {
  std::ifstream in(std::string(MUGAI_SOURCE_DIR) + "/samples/mail/" + name, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A store with accounts, a console over it, and a clock the test moves.
struct Fixture {
  fs::path dir = mugai::test::freshTempDir("web-console");
  std::atomic<std::int64_t> now{1'800'000'000};
  quarantine::Store store{(dir / "q").string()};
  Config config;
  WebConfig web;
  std::unique_ptr<Console> console;

  explicit Fixture(const std::string& releaseRelay = "127.0.0.1:9", const std::string& webToml = "") {
    const std::string text = "[quarantine]\ndir = \"" + (dir / "q").string() + "\"\nrelease_relay = \"" + releaseRelay +
                             "\"\n[web]\n" + webToml;
    config = parseConfig(text, "test.toml");
    config.notice.consoleKey = kKey;  // loadConfigFile would read it from console_key_file
    web = readWebConfig(config);
    addUser("admin1", "admin", true);
    addUser("admin2", "admin", false);
    addUser("audit1", "auditor", false);
    console = std::make_unique<Console>(config, web, store, [this] { return now.load(); });
  }
  ~Fixture() { fs::remove_all(dir); }

  void addUser(const std::string& name, const std::string& role, bool originals) {
    quarantine::WebUser u;
    u.name = name;
    u.role = role;
    u.hash = hashPassword(kPassword);
    u.originals = originals;
    store.addUser(u);
  }

  std::string putMail(const std::string& original, const std::string& subject, std::vector<std::string> to = {"soumu@example.lg.jp"}) {
    quarantine::Item it;
    it.id = newId();
    it.time = now.load() - 60;
    it.source = "mail";
    it.sender = "sender@example.net";
    it.recipients = to;
    it.envelope = quarantine::Envelope{"sender@example.net", to};
    it.subject = subject;
    it.verdict = "changed";
    it.reasons = {"html.converted"};
    return store.put(it, original);
  }
};

// One browser: keeps the session cookie and the last CSRF token it saw.
struct Browser {
  explicit Browser(Console& c) : console(c) {}
  Console& console;
  std::string peer = "192.0.2.10";
  std::string cookie;  // __Host-mugai: the session
  std::string pre;     // __Host-mugai-pre: the pre-login token's cookie
  std::string csrf;
  std::map<std::string, std::string> extra;  // headers sent with every request

  Response send(const std::string& method, const std::string& target, const std::string& body,
                std::map<std::string, std::string> headers = {}) {
    Request r;
    r.method = method;
    r.target = target;
    r.peer = peer;
    r.body = body;
    r.headers = extra;
    r.headers["host"] = "console.example.lg.jp";
    std::string cookies;
    if (!cookie.empty()) cookies = std::string(Console::kCookie) + "=" + cookie;
    if (!pre.empty()) cookies += (cookies.empty() ? "" : "; ") + std::string("__Host-mugai-pre=") + pre;
    if (!cookies.empty()) r.headers["cookie"] = cookies;
    if (method == "POST") r.headers["content-type"] = "application/x-www-form-urlencoded";
    for (auto& [k, v] : headers) r.headers[k] = v;
    Response res = console.handle(r);
    for (const auto& [k, v] : res.headers) {
      if (k != "Set-Cookie") continue;
      const std::string name = v.substr(0, v.find('=')), value = v.substr(v.find('=') + 1, v.find(';') - v.find('=') - 1);
      if (name == Console::kCookie) cookie = value;
      if (name == "__Host-mugai-pre") pre = value;
    }
    static const std::regex token("name=\"csrf\" value=\"([0-9a-f]{32})\"");
    std::smatch m;
    if (std::regex_search(res.body, m, token)) csrf = m[1];
    return res;
  }
  Response get(const std::string& target) { return send("GET", target, ""); }
  Response post(const std::string& target, const std::string& form, std::map<std::string, std::string> headers = {}) {
    return send("POST", target, "csrf=" + csrf + (form.empty() ? "" : "&" + form), std::move(headers));
  }
  Response login(const std::string& user, const std::string& password = kPassword) {
    get("/login");
    return post("/login", "user=" + user + "&password=" + urlEncode(password));
  }
};

int auditCount(quarantine::Store& s, const std::string& action, const std::string& resultPrefix) {
  int n = 0;
  for (const auto& a : s.auditLog({}))
    if (a.action == action && a.result.rfind(resultPrefix, 0) == 0) ++n;
  return n;
}

}  // namespace

TEST_CASE("console: without a session, pages redirect to the login and actions are refused", "[web]") {
  Fixture f;
  Browser b(*f.console);
  auto r = b.get("/items");
  CHECK(r.status == 303);
  CHECK(r.header("Location") == "/login");
  CHECK(b.get("/audit").status == 303);
  CHECK(b.get("/").status == 303);
  // A POST with no session at all has no CSRF token to match: 403.
  CHECK(b.send("POST", "/bulk", "action=purge&ids=0123456789abcdef0123456789abcdef").status == 403);
  // With the login page's session (a valid token) but no login: 401.
  b.get("/login");
  CHECK(b.post("/bulk", "action=purge&confirm=yes&ids=0123456789abcdef0123456789abcdef").status == 401);
  CHECK(b.post("/logout", "").status == 401);
}

TEST_CASE("console: every response carries the security headers, errors too", "[web]") {
  Fixture f;
  Browser b(*f.console);
  for (const auto& target : {"/login", "/items", "/nothing-here", "/static/mugai.css"}) {
    INFO(target);
    auto r = b.get(target);
    CHECK(r.header("Content-Security-Policy") ==
          "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'");
    CHECK(r.header("X-Content-Type-Options") == "nosniff");
    CHECK(r.header("X-Frame-Options") == "DENY");
    CHECK(r.header("Referrer-Policy") == "same-origin");
  }
  CHECK(b.get("/nothing-here").status == 404);
  CHECK(b.send("DELETE", "/items", "").status == 405);
  CHECK(b.get("/static/none.js").status == 404);
  // No page has inline script: the only script is our file.
  const std::string page = b.get("/login").body;
  CHECK(page.find("<script>") == std::string::npos);
  CHECK(page.find("onclick") == std::string::npos);
}

TEST_CASE("console: login sets a __Host- cookie with a new id, logout ends the session on the server", "[web]") {
  Fixture f;
  Browser b(*f.console);
  // Before login there is no session, only the login form's token cookie.
  auto page = b.get("/login");
  CHECK(b.cookie.empty());
  REQUIRE(b.pre.size() == 32);
  std::string setCookie;
  for (const auto& [k, v] : page.headers)
    if (k == "Set-Cookie") setCookie = v;
  CHECK_THAT(setCookie, ContainsSubstring("; Path=/; Secure; HttpOnly; SameSite=Strict"));
  auto r = b.post("/login", "user=admin1&password=" + urlEncode(kPassword));
  CHECK(r.status == 303);
  CHECK(r.header("Location") == "/items");
  REQUIRE(b.cookie.size() == 32);
  CHECK(b.cookie != b.pre);
  CHECK(b.get("/items").status == 200);
  // The pre-login cookie logs nobody in.
  Browser old(*f.console);
  old.cookie = b.pre;
  CHECK(old.get("/items").status == 303);
  // A second login gets a new id, and the first session is still its own.
  Browser again(*f.console);
  REQUIRE(again.login("admin1").status == 303);
  CHECK(again.cookie != b.cookie);

  const std::string session = b.cookie;
  CHECK(b.post("/logout", "").status == 303);
  Browser replay(*f.console);
  replay.cookie = session;
  CHECK(replay.get("/items").status == 303);  // gone on the server, not only in the browser
  CHECK(auditCount(f.store, "login", "ok") == 2);
  CHECK(auditCount(f.store, "logout", "ok") == 1);
}

TEST_CASE("console: sessions end after the idle and the absolute timeout", "[web]") {
  Fixture f;
  Browser b(*f.console);
  REQUIRE(b.login("audit1").status == 303);
  f.now += 29 * 60;
  CHECK(b.get("/items").status == 200);
  f.now += 29 * 60;
  CHECK(b.get("/items").status == 200);  // kept alive by use
  f.now += 30 * 60;
  CHECK(b.get("/items").status == 303);  // idle 30 minutes
  REQUIRE(b.login("audit1").status == 303);
  for (int i = 0; i < 8 * 3; ++i) {
    f.now += 20 * 60;
    b.get("/items");
  }
  CHECK(b.get("/items").status == 303);  // 8 hours after login, however busy
}

TEST_CASE("console: failed logins lock the account, and each address is throttled", "[web]") {
  Fixture f;
  Browser b(*f.console);
  for (int i = 0; i < 5; ++i) CHECK(b.login("admin2", "wrong password " + std::to_string(i)).status == 401);
  // Locked: even the right password is refused now, with the same message.
  auto r = b.login("admin2");
  CHECK(r.status == 401);
  CHECK_THAT(r.body, ContainsSubstring("ロック"));
  CHECK(f.store.user("admin2")->lockedUntil == f.now.load() + 15 * 60);
  f.now += 15 * 60;
  CHECK(b.login("admin2").status == 303);
  CHECK(f.store.user("admin2")->failedLogins == 0);
  CHECK(auditCount(f.store, "login", "failed") == 5);
  CHECK(auditCount(f.store, "login", "refused: locked") == 1);

  // Names that do not exist count against the address.
  Browser flood(*f.console);
  flood.peer = "198.51.100.7";
  for (int i = 0; i < 20; ++i) CHECK(flood.login("nobody" + std::to_string(i), "x").status == 401);
  CHECK(flood.login("admin1").status == 429);
  Browser elsewhere(*f.console);
  elsewhere.peer = "192.0.2.99";
  CHECK(elsewhere.login("admin1").status == 303);  // another address is not affected
}

TEST_CASE("console: a POST without the session's CSRF token, or from another site, is refused", "[web]") {
  Fixture f;
  const std::string id = f.putMail(readSample("05-html-only-phishing.eml"), "請求書");
  Browser b(*f.console);
  REQUIRE(b.login("admin1").status == 303);
  b.get("/items");
  const std::string good = b.csrf;
  b.csrf = "00000000000000000000000000000000";
  CHECK(b.post("/items/" + id + "/purge", "confirm=yes").status == 403);
  b.csrf = "";
  CHECK(b.post("/items/" + id + "/purge", "confirm=yes").status == 403);
  b.csrf = good;
  CHECK(b.post("/items/" + id + "/purge", "confirm=yes", {{"origin", "https://evil.example"}}).status == 403);
  CHECK(b.post("/items/" + id + "/purge", "confirm=yes", {{"origin", "null"}}).status == 403);
  CHECK(b.post("/items/" + id + "/purge", "confirm=yes", {{"sec-fetch-site", "cross-site"}}).status == 403);
  CHECK(b.post("/items/" + id + "/purge", "confirm=yes", {{"sec-fetch-site", "same-site"}}).status == 403);
  CHECK(b.post("/items/" + id + "/purge", "confirm=yes", {{"content-type", "text/plain"}}).status == 415);
  CHECK(f.store.get(id));  // none of them did anything
  // Another user's token does not work either.
  Browser other(*f.console);
  other.peer = "192.0.2.11";
  REQUIRE(other.login("admin2").status == 303);
  other.get("/items");
  const std::string otherToken = other.csrf;
  b.csrf = otherToken;
  CHECK(b.post("/items/" + id + "/purge", "confirm=yes").status == 403);
  b.csrf = good;
  CHECK(b.post("/items/" + id + "/purge", "confirm=yes", {{"origin", "https://console.example.lg.jp"},
                                                          {"sec-fetch-site", "same-origin"}}).status == 200);
  CHECK_FALSE(f.store.get(id));
}

TEST_CASE("console: GET never changes anything", "[web]") {
  Fixture f;
  const std::string id = f.putMail(readSample("05-html-only-phishing.eml"), "請求書");
  Browser b(*f.console);
  REQUIRE(b.login("admin1").status == 303);
  const auto before = f.store.auditLog({}).size();
  for (const auto& t : {"/items/" + id + "/purge?confirm=yes", "/items/" + id + "/release", "/bulk?action=purge&ids=" + id,
                        "/items/" + id + "/download", std::string("/logout")}) {
    INFO(t);
    CHECK(b.get(t).status == 405);
  }
  CHECK(f.store.get(id));
  CHECK(f.store.auditLog({}).size() == before);
}

TEST_CASE("console: auditors read, admins act, originals need their own right", "[web]") {
  Fixture f;
  const std::string id = f.putMail(readSample("05-html-only-phishing.eml"), "請求書");
  Browser auditor(*f.console);
  REQUIRE(auditor.login("audit1").status == 303);
  CHECK(auditor.get("/items").status == 200);
  CHECK(auditor.get("/items/" + id).status == 200);
  CHECK(auditor.get("/audit").status == 200);
  CHECK(auditor.get("/items/" + id).body.find("/purge") == std::string::npos);  // no action forms
  CHECK(auditor.post("/items/" + id + "/release", "mode=resanitized").status == 403);
  CHECK(auditor.post("/items/" + id + "/purge", "confirm=yes").status == 403);
  CHECK(auditor.post("/bulk", "action=purge&confirm=yes&ids=" + id).status == 403);

  Browser admin(*f.console);
  admin.peer = "192.0.2.20";
  REQUIRE(admin.login("admin2").status == 303);
  CHECK(admin.get("/items/" + id).body.find("/download") == std::string::npos);
  const std::string raw = "mode=original&reason=analysis&confirm=yes&password=" + urlEncode(kPassword);
  CHECK(admin.post("/items/" + id + "/release", raw).status == 403);
  CHECK(admin.post("/items/" + id + "/download", "reason=analysis&confirm=yes&password=" + urlEncode(kPassword)).status == 403);
  CHECK(auditCount(f.store, "release_raw", "") == 0);
  CHECK(auditCount(f.store, "download", "") == 0);

  // A role taken away applies to the next request of a live session.
  REQUIRE(f.store.deleteUser("admin2"));
  CHECK(admin.get("/items").status == 303);
}

TEST_CASE("console: unknown and malformed ids are 404", "[web]") {
  Fixture f;
  Browser b(*f.console);
  REQUIRE(b.login("admin1").status == 303);
  CHECK(b.get("/items/0123456789abcdef0123456789abcdef").status == 404);
  CHECK(b.get("/items/..%2f..%2fetc%2fpasswd").status == 404);
  CHECK(b.get("/items/0123456789ABCDEF0123456789ABCDEF").status == 404);
  b.get("/items");
  CHECK(b.post("/items/0123456789abcdef0123456789abcdef/release", "mode=resanitized").status == 404);
  CHECK(b.post("/items/0123456789abcdef0123456789abcdef/purge", "confirm=yes").status == 404);
  CHECK(b.get("/items?id=zz").status == 400);
}

TEST_CASE("console: search finds Japanese subjects and shows JST times", "[web]") {
  Fixture f;
  const std::string a = f.putMail(readSample("05-html-only-phishing.eml"), "【至急】請求書の送付について");
  const std::string other = f.putMail(readSample("05-html-only-phishing.eml"), "会議のご案内", {"kikaku@example.lg.jp"});
  Browser b(*f.console);
  REQUIRE(b.login("audit1").status == 303);
  auto r = b.get("/items?subject=" + urlEncode("請求書"));
  CHECK(r.status == 200);
  CHECK_THAT(r.body, ContainsSubstring("/items/" + a));
  CHECK(r.body.find("/items/" + other) == std::string::npos);
  CHECK(b.get("/items?recipient=kikaku").body.find("/items/" + a) == std::string::npos);
  // 1,800,000,000 - 60 s is 2027-01-15 16:59:00 JST (07:59:00 UTC; GNU date agrees).
  CHECK_THAT(b.get("/items/" + a).body, ContainsSubstring("2027-01-15 16:59:00"));
  CHECK_THAT(b.get("/items?since=2027-01-15&before=2027-01-15").body, ContainsSubstring("/items/" + a));
  CHECK(b.get("/items?since=2027-01-16").body.find("/items/" + a) == std::string::npos);
  // English on request, kept in a cookie.
  auto lang = b.post("/lang", "lang=en&back=" + urlEncode("/items"));
  CHECK(lang.status == 303);
  std::string langCookie;
  for (const auto& [k, v] : lang.headers)
    if (k == "Set-Cookie" && v.rfind("__Host-mugai-lang=en;", 0) == 0) langCookie = v.substr(0, v.find(';'));
  REQUIRE_FALSE(langCookie.empty());
  b.extra["cookie"] = "";  // (the Browser writes the session cookie itself)
  Request req;
  req.method = "GET";
  req.target = "/items";
  req.peer = b.peer;
  req.headers["cookie"] = std::string(Console::kCookie) + "=" + b.cookie + "; " + langCookie;
  CHECK_THAT(f.console->handle(req).body, ContainsSubstring("Received (JST)"));
  // An open redirect through "back" is not possible.
  CHECK(b.post("/lang", "lang=ja&back=" + urlEncode("//evil.example/")).header("Location") == "/items");
  CHECK(b.post("/lang", "lang=ja&back=" + urlEncode("https://evil.example/")).header("Location") == "/items");
}

TEST_CASE("console: hostile subjects, names and headers are shown as text, never as markup", "[web][xss]") {
  Fixture f;
  const std::vector<std::string> hostile = {
      "<script>alert(1)</script>",
      "\"><img src=x onerror=alert(1)>",
      "請求書<svg onload=alert(2)>.pdf",
      "見積書\xE2\x80\xAEgpj.exe<iframe src=javascript:alert(3)>",
      "' onmouseover='alert(4)",
      "</title><script src=//evil.example/x.js></script>",
  };
  std::vector<std::string> ids;
  for (const auto& s : hostile) {
    std::string original = "From: =?UTF-8?B?" + std::string("PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==") +
                           "?= <a@example.net>\r\nSubject: " + s + "\r\nX-Evil: <body onload=alert(6)>\r\n\r\nbody\r\n";
    quarantine::Item it;
    it.id = newId();
    it.time = f.now.load();
    it.source = "mail";
    it.sender = s + "@example.net";
    it.recipients = {s};
    it.subject = s;
    it.verdict = "changed";
    it.reasons = {s};
    it.reportJson = nlohmann::json{{"nodes", {{{"path", "1"}, {"filename", s}, {"declared_type", s}, {"action", "remove"},
                                               {"reason", s}, {"code", s}}}},
                                   {"findings", {{{"code", s}, {"detail", s}}}}}
                        .dump();
    ids.push_back(f.store.put(it, original));
    quarantine::Item file = it;
    file.id = newId();
    file.source = "file";
    file.filename = "drop/" + s;
    f.store.put(file, "x" + s);
  }
  Browser b(*f.console);
  REQUIRE(b.login("admin1").status == 303);
  b.get("/items");
  f.store.audit({0, 0, hostile[0], "admin", hostile[1], ids[0], hostile[2], hostile[3], hostile[4]});
  std::vector<std::string> pages = {b.get("/items").body, b.get("/audit").body, b.get("/items?subject=" + urlEncode(hostile[2])).body};
  for (const auto& id : ids) pages.push_back(b.get("/items/" + id).body);
  // Python's html.parser is the judge: the only elements are ours, no
  // attribute is an event handler or a javascript: URL, and the only
  // script is /static/mugai.js.
  const fs::path pageDir = f.dir / "pages";
  fs::create_directories(pageDir);
  for (std::size_t i = 0; i < pages.size(); ++i) mugai::test::writeFile(pageDir / (std::to_string(i) + ".html"), pages[i]);
  const std::string judge = R"py(
import sys, os
from html.parser import HTMLParser
allowed = {"html","head","meta","title","link","script","body","header","span","nav","a","div","form","input","button","textarea",
           "main","h1","h2","p","label","select","option","table","thead","tbody","tr","th","td","code","ul","li"}
bad = []
class P(HTMLParser):
    def handle_starttag(self, tag, attrs):
        if tag not in allowed: bad.append("element " + tag)
        for k, v in attrs:
            if k.startswith("on"): bad.append("attribute " + k)
            if v and v.strip().lower().startswith("javascript:"): bad.append("url " + v)
        if tag == "script" and dict(attrs).get("src") != "/static/mugai.js": bad.append("script " + str(attrs))
for name in sorted(os.listdir(sys.argv[1])):
    P().feed(open(os.path.join(sys.argv[1], name), encoding="utf-8").read())
print("\n".join(bad) if bad else "clean")
)py";
  mugai::test::writeFile(f.dir / "judge.py", judge);
  auto r = mugai::test::runCommand("/usr/bin/python3 " + (f.dir / "judge.py").string() + " " + pageDir.string());
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out == "clean\n");
  // And the text is there, escaped (so the page is not just empty).
  CHECK_THAT(pages[0], ContainsSubstring("&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK_THAT(pages[3], ContainsSubstring("&lt;script&gt;alert(5)&lt;/script&gt;"));  // the decoded From header
  // U+202E (right-to-left override) is masked, never passed on.
  for (const auto& p : pages) CHECK(p.find("\xE2\x80\xAE") == std::string::npos);
}

TEST_CASE("console: a release is re-sanitized and reaches the relay; the original needs a reason and the password", "[web][release]") {
  const fs::path sinkDir = mugai::test::freshTempDir("web-sink");
  mugai::test::SmtpSink sink(sinkDir);
  Fixture f(sink.hostPort());
  const std::string id = f.putMail(readSample("05-html-only-phishing.eml"), "フィッシング", {"soumu@example.lg.jp"});
  Browser b(*f.console);
  REQUIRE(b.login("admin1").status == 303);
  b.get("/items/" + id);

  auto r = b.post("/items/" + id + "/release", "mode=resanitized&to=");
  INFO(r.body);
  CHECK(r.status == 200);
  REQUIRE(mugai::test::waitFor([&] { return sink.messages().size() == 1; }, 10));
  CHECK_THAT(sink.envelope(1), ContainsSubstring("soumu@example.lg.jp"));
  // Python reads what arrived: the HTML is gone (the release policy's html_to_text).
  const auto reading = mugai::test::readWithPython(sink.messages()[0]);
  CHECK(reading.defects.empty());
  for (const auto& p : reading.parts) CHECK(p.rfind("text/html", 0) != 0);
  CHECK(f.store.released(id));
  CHECK(auditCount(f.store, "release", "ok") == 1);

  // Chosen recipients; an invalid one is refused before anything is sent.
  CHECK(b.post("/items/" + id + "/release", "mode=resanitized&to=" + urlEncode("a@example.lg.jp>\r\nRCPT TO:<x@evil.example")).status == 422);
  CHECK(sink.messages().size() == 1);

  // The untouched original: reason, confirmation and the password again.
  CHECK(b.post("/items/" + id + "/release", "mode=original&reason=&confirm=yes&password=" + urlEncode(kPassword)).status == 400);
  CHECK(b.post("/items/" + id + "/release", "mode=original&reason=x&password=" + urlEncode(kPassword)).status == 400);
  CHECK(b.post("/items/" + id + "/release", "mode=original&reason=x&confirm=yes&password=wrong").status == 403);
  CHECK(auditCount(f.store, "reauth", "failed") == 1);
  CHECK(sink.messages().size() == 1);
  r = b.post("/items/" + id + "/release", "mode=original&reason=" + urlEncode("総務課の依頼") + "&confirm=yes&to=kanri@example.lg.jp&password=" +
                                              urlEncode(kPassword));
  CHECK(r.status == 200);
  REQUIRE(mugai::test::waitFor([&] { return sink.messages().size() == 2; }, 10));
  CHECK(sink.messages()[1] == readSample("05-html-only-phishing.eml"));
  CHECK(auditCount(f.store, "release_raw", "started; reason: 総務課の依頼") == 1);
  CHECK(auditCount(f.store, "release_raw", "ok") == 1);
  fs::remove_all(sinkDir);
}

TEST_CASE("console: download hands out the stored original, audited; purge removes it", "[web]") {
  Fixture f;
  const std::string original = readSample("07-word-macro-dde.eml");
  const std::string id = f.putMail(original, "見積書");
  Browser b(*f.console);
  REQUIRE(b.login("admin1").status == 303);
  b.get("/items/" + id);
  auto r = b.post("/items/" + id + "/download", "reason=" + urlEncode("解析のため") + "&confirm=yes&password=" + urlEncode(kPassword));
  CHECK(r.status == 200);
  CHECK(r.header("Content-Type") == "application/octet-stream");
  CHECK(r.header("Content-Disposition") == "attachment; filename=\"" + id + ".eml\"");
  CHECK(sha256Hex(r.body) == sha256Hex(original));
  CHECK(auditCount(f.store, "download", "ok") == 1);
  CHECK(auditCount(f.store, "download", "started; reason: 解析のため") == 1);

  CHECK(b.post("/items/" + id + "/purge", "").status == 400);  // not confirmed
  CHECK(b.post("/items/" + id + "/purge", "confirm=yes").status == 200);
  CHECK(b.get("/items/" + id).status == 404);
  CHECK(auditCount(f.store, "purge", "ok") == 1);
}

TEST_CASE("console: bulk actions and the audit CSV, read back by Python's csv", "[web]") {
  Fixture f;
  const std::string a = f.putMail("Subject: a\r\n\r\na\r\n", "a");
  const std::string c = f.putMail("Subject: c\r\n\r\nc\r\n", "=HYPERLINK(\"http://evil.example\")");
  Browser b(*f.console);
  REQUIRE(b.login("admin1").status == 303);
  b.get("/items");
  CHECK(b.post("/bulk", "action=purge&ids=" + a + "&ids=" + c).status == 400);  // not confirmed
  CHECK(b.post("/bulk", "action=purge&confirm=yes").status == 400);            // nothing selected
  auto r = b.post("/bulk", "action=purge&confirm=yes&ids=" + a + "&ids=" + c);
  CHECK(r.status == 200);
  CHECK_FALSE(f.store.get(a));
  CHECK_FALSE(f.store.get(c));
  f.store.audit({0, 0, "=cmd|' /C calc'!A0", "admin", "purge", c, "web:x", "=HYPERLINK(\"x\")", "ok"});

  auto csv = b.get("/audit.csv");
  CHECK(csv.status == 200);
  CHECK(csv.header("Content-Type") == "text/csv; charset=utf-8");
  mugai::test::writeFile(f.dir / "audit.csv", csv.body);
  auto py = mugai::test::runCommand(
      "/usr/bin/python3 -c \"import csv,sys; rows=list(csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline='')));"
      " print(rows[0][:5]); print(sum(1 for r in rows if r[4]=='purge' and r[8]=='ok')); "
      "print(all(not c.startswith(('=','+','-','@')) for r in rows for c in r))\" " + (f.dir / "audit.csv").string());
  INFO(py.out);
  CHECK(py.out == "['seq', 'time_jst', 'who', 'role', 'action']\n3\nTrue\n");
}

TEST_CASE("console: single sign-on believes the trusted header only from the configured proxy", "[web][sso]") {
  Fixture f("127.0.0.1:9", "trusted_header = \"X-Remote-User\"\ntrusted_proxies = [\"127.0.0.1\"]\n");
  Browser proxy(*f.console);
  proxy.peer = "127.0.0.1";
  proxy.extra["x-remote-user"] = "audit1";
  auto r = proxy.get("/items");
  CHECK(r.status == 200);
  CHECK_THAT(r.body, ContainsSubstring("audit1 (auditor)"));
  CHECK(auditCount(f.store, "login", "ok") == 1);
  CHECK(proxy.get("/audit").status == 200);
  CHECK(auditCount(f.store, "login", "ok") == 1);  // one login per session, not per request

  Browser direct(*f.console);
  direct.peer = "192.0.2.66";  // not the proxy: the header is ignored
  direct.extra["x-remote-user"] = "admin1";
  CHECK(direct.get("/items").status == 303);

  Browser stranger(*f.console);
  stranger.peer = "127.0.0.1";
  stranger.extra["x-remote-user"] = "no-such-user";
  CHECK(stranger.get("/items").status == 403);
  CHECK(auditCount(f.store, "login", "refused: no console account") == 1);
}

TEST_CASE("console: a recipient requests through the notice's link; an administrator approves or denies; both are told by mail",
          "[web][request]") {
  const fs::path sinkDir = mugai::test::freshTempDir("web-request-sink");
  mugai::test::SmtpSink sink(sinkDir);
  Fixture f(sink.hostPort(), "notify_to = [\"kanri@example.lg.jp\"]\nmail_from = \"mugai@example.lg.jp\"\nrequests_per_hour = 5\n");
  const std::string id = f.putMail(readSample("05-html-only-phishing.eml"), "【重要】確認", {"tanaka@example.lg.jp", "suzuki@example.lg.jp"});
  const std::int64_t until = f.now.load() + 14 * 86400;
  const std::string sig = requestSignature(kKey, id, until);
  const std::string link = "/request/" + id + "?until=" + std::to_string(until) + "&sig=" + sig;
  Browser clerk(*f.console);
  clerk.peer = "10.20.30.40";

  SECTION("forged, altered and expired links are refused") {
    CHECK(clerk.get("/request/" + id + "?until=" + std::to_string(until) + "&sig=" + std::string(64, '0')).status == 403);
    CHECK(clerk.get("/request/" + id + "?until=" + std::to_string(until + 1) + "&sig=" + sig).status == 403);
    const std::string other = f.putMail("Subject: x\r\n\r\nx\r\n", "x");
    CHECK(clerk.get("/request/" + other + "?until=" + std::to_string(until) + "&sig=" + sig).status == 403);
    CHECK(clerk.get("/request/" + id + "?until=" + std::to_string(until)).status == 403);
    const std::string missing = "0123456789abcdef0123456789abcdef";
    CHECK(clerk.get("/request/" + missing + "?until=" + std::to_string(until) + "&sig=" + requestSignature(kKey, missing, until))
              .status == 404);
    f.now += 15 * 86400;
    CHECK(clerk.get(link).status == 410);
    CHECK(f.store.requests("", "", 10).empty());
  }

  SECTION("only a recipient may ask, once, and the link never releases anything") {
    REQUIRE(clerk.get(link).status == 200);
    CHECK(clerk.post("/request/" + id, "until=" + std::to_string(until) + "&sig=" + sig + "&address=x%40evil.example&reason=please").status == 422);
    CHECK(clerk.post("/request/" + id, "until=" + std::to_string(until) + "&sig=" + sig + "&address=tanaka%40example.lg.jp&reason=+").status == 422);
    auto r = clerk.post("/request/" + id, "until=" + std::to_string(until) + "&sig=" + sig + "&address=Tanaka%40example.lg.jp&reason=" +
                                             urlEncode("請求書の確認に必要です"));
    CHECK(r.status == 200);
    CHECK(clerk.post("/request/" + id, "until=" + std::to_string(until) + "&sig=" + sig + "&address=tanaka%40example.lg.jp&reason=again")
              .body.find("既に") != std::string::npos);
    CHECK(f.store.requests("pending", id, 10).size() == 1);
    CHECK_FALSE(f.store.released(id));
    // The administrators are told.
    REQUIRE(mugai::test::waitFor([&] { return sink.messages().size() == 1; }, 10));
    CHECK_THAT(sink.envelope(1), ContainsSubstring("kanri@example.lg.jp"));
    const auto notice = mugai::test::readWithPython(sink.messages()[0]);
    CHECK(notice.defects.empty());
    // The request's own routes need an account.
    CHECK(clerk.get("/requests").status == 303);
    CHECK(clerk.post("/requests/1/approve", "").status == 401);
    // A flood from one address stops.
    for (int i = 0; i < 3; ++i)
      clerk.post("/request/" + id, "until=" + std::to_string(until) + "&sig=" + sig + "&address=suzuki%40example.lg.jp&reason=x");
    CHECK(clerk.post("/request/" + id, "until=" + std::to_string(until) + "&sig=" + sig + "&address=suzuki%40example.lg.jp&reason=x")
              .status == 429);
    // Refused tries have a quota of their own: a wrong address does not use up the good one's.
    Browser other(*f.console);
    other.peer = "10.20.30.41";
    REQUIRE(other.get(link).status == 200);
    for (int i = 0; i < 20; ++i)
      other.post("/request/" + id, "until=" + std::to_string(until) + "&sig=" + sig + "&address=x%40evil.example&reason=x");
    CHECK(other.post("/request/" + id, "until=" + std::to_string(until) + "&sig=" + sig + "&address=suzuki%40example.lg.jp&reason=x")
              .status == 200);
  }

  SECTION("approved: released to the requester alone, re-sanitized, and the requester is told") {
    REQUIRE(clerk.get(link).status == 200);
    REQUIRE(clerk.post("/request/" + id, "until=" + std::to_string(until) + "&sig=" + sig +
                                             "&address=tanaka%40example.lg.jp&reason=need").status == 200);
    REQUIRE(mugai::test::waitFor([&] { return sink.messages().size() == 1; }, 10));
    const std::int64_t seq = f.store.requests("pending", id, 1).at(0).seq;
    Browser auditor(*f.console);
    REQUIRE(auditor.login("audit1").status == 303);
    CHECK_THAT(auditor.get("/requests").body, ContainsSubstring("tanaka@example.lg.jp"));
    CHECK(auditor.post("/requests/" + std::to_string(seq) + "/approve", "").status == 403);
    Browser admin(*f.console);
    admin.peer = "192.0.2.30";
    REQUIRE(admin.login("admin2").status == 303);
    admin.get("/requests");
    CHECK(admin.post("/requests/" + std::to_string(seq) + "/approve", "").status == 200);
    CHECK(admin.post("/requests/" + std::to_string(seq) + "/approve", "").status == 409);  // decided once
    REQUIRE(mugai::test::waitFor([&] { return sink.messages().size() == 3; }, 20));
    // 2: the release, to tanaka alone, without the HTML; 3: the outcome, to tanaka.
    CHECK_THAT(sink.envelope(2), ContainsSubstring("tanaka@example.lg.jp"));
    CHECK(sink.envelope(2).find("suzuki") == std::string::npos);
    for (const auto& p : mugai::test::readWithPython(sink.messages()[1]).parts) CHECK(p.rfind("text/html", 0) != 0);
    CHECK_THAT(sink.envelope(3), ContainsSubstring("tanaka@example.lg.jp"));
    CHECK(f.store.request(seq)->state == "approved");
    CHECK(f.store.request(seq)->decidedBy == "admin2");
    CHECK(f.store.released(id));
    CHECK(auditCount(f.store, "request_approve", "ok") == 1);
  }

  SECTION("denied: nothing is released, the requester gets the note") {
    REQUIRE(clerk.get(link).status == 200);
    REQUIRE(clerk.post("/request/" + id, "until=" + std::to_string(until) + "&sig=" + sig +
                                             "&address=suzuki%40example.lg.jp&reason=need").status == 200);
    const std::int64_t seq = f.store.requests("pending", id, 1).at(0).seq;
    Browser admin(*f.console);
    REQUIRE(admin.login("admin1").status == 303);
    admin.get("/requests");
    CHECK(admin.post("/requests/" + std::to_string(seq) + "/deny", "note=" + urlEncode("業務に不要なため")).status == 200);
    REQUIRE(mugai::test::waitFor([&] { return sink.messages().size() == 2; }, 20));
    CHECK_THAT(sink.envelope(2), ContainsSubstring("suzuki@example.lg.jp"));
    CHECK(f.store.request(seq)->state == "denied");
    CHECK_FALSE(f.store.released(id));
  }
  fs::remove_all(sinkDir);
}

TEST_CASE("console: the text preview is the release policy's text, converted in a job worker and escaped", "[web][preview]") {
  Fixture f;
  const std::string html = f.putMail(readSample("05-html-only-phishing.eml"), "【重要】アカウント確認のお願い");
  const std::string plain = f.putMail(
      "From: a@example.net\r\nSubject: x\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n"
      "\x1b$B$3$s$K$A$O\x1b(B <script>alert(1)</script>\r\nline two\r\n",
      "x");
  Browser b(*f.console);
  REQUIRE(b.login("audit1").status == 303);
  auto r = b.get("/items/" + html + "/preview");
  INFO(r.body);
  REQUIRE(r.status == 200);
  // The Shift_JIS HTML body as text: its words are there, its markup is not.
  CHECK_THAT(r.body, ContainsSubstring("いつもご利用ありがとうございます"));
  const std::size_t from = r.body.find("<pre");
  const std::string pre = r.body.substr(from, r.body.find("</pre>") - from);
  CHECK(pre.find("<a ") == std::string::npos);
  CHECK(pre.find("href") == std::string::npos);
  r = b.get("/items/" + plain + "/preview");
  CHECK_THAT(r.body, ContainsSubstring("こんにちは &lt;script&gt;alert(1)&lt;/script&gt;\nline two"));
  CHECK(auditCount(f.store, "preview", "ok") == 2);
  CHECK(b.get("/items/0123456789abcdef0123456789abcdef/preview").status == 404);
}

TEST_CASE("console: no flood of anonymous requests or of one account's logins keeps others from logging in", "[web][limits]") {
  Fixture f;
  Browser patient(*f.console);
  patient.get("/login");  // opens the form, then waits
  for (int i = 0; i < 12000; ++i) {
    Request r;
    r.method = "GET";
    r.target = "/login";
    r.peer = "203.0.113.9";
    f.console->handle(r);
  }
  CHECK(patient.post("/login", "user=admin1&password=" + urlEncode(kPassword)).status == 303);
  // One account's sessions are capped: its 11th login ends its oldest.
  std::vector<std::unique_ptr<Browser>> many;
  for (int i = 0; i < 11; ++i) {
    f.now += 1;  // the oldest is the one unused longest
    many.push_back(std::make_unique<Browser>(*f.console));
    REQUIRE(many.back()->login("audit1").status == 303);
  }
  CHECK(many.front()->get("/items").status == 303);
  CHECK(many.back()->get("/items").status == 200);
  CHECK(patient.get("/items").status == 200);
}

TEST_CASE("console: a new password or a re-made account ends the sessions of the old one", "[web]") {
  Fixture f;
  Browser b(*f.console);
  REQUIRE(b.login("audit1").status == 303);
  REQUIRE(f.store.setUserHash("audit1", hashPassword("another password 123")));
  CHECK(b.get("/items").status == 303);
  REQUIRE(b.login("audit1", "another password 123").status == 303);
  REQUIRE(f.store.deleteUser("audit1"));
  f.addUser("audit1", "admin", true);  // same name, now an admin
  CHECK(b.get("/items").status == 303);  // not an admin session
}

TEST_CASE("console: a lock that has run out needs a full run of failures again", "[web]") {
  Fixture f;
  Browser b(*f.console);
  for (int i = 0; i < 5; ++i) b.login("admin2", "wrong " + std::to_string(i));
  REQUIRE(f.store.user("admin2")->lockedUntil > f.now.load());
  f.now += 15 * 60;
  CHECK(b.login("admin2", "wrong again").status == 401);
  CHECK(f.store.user("admin2")->lockedUntil == 0);  // one failure does not lock anew
  CHECK(b.login("admin2").status == 303);
}

TEST_CASE("console: search terms with control bytes and pages past the last are handled", "[web]") {
  Fixture f;
  f.putMail("Subject: a\r\n\r\na\r\n", "請求書");
  Browser b(*f.console);
  REQUIRE(b.login("audit1").status == 303);
  CHECK(b.get("/items?subject=%00abc").status == 400);
  CHECK(b.get("/items?sender=a%0Ab").status == 400);
  CHECK(b.get("/items?page=999999").status == 200);
}

TEST_CASE("console: behind a trusted proxy, the client is X-Forwarded-For's; SSO names match in any case, never on request pages",
          "[web][sso]") {
  Fixture f("127.0.0.1:9", "trusted_header = \"X-Remote-User\"\ntrusted_proxies = [\"127.0.0.1\"]\n");
  Browser proxy(*f.console);
  proxy.peer = "127.0.0.1";
  proxy.extra["x-remote-user"] = "AUDIT1";
  proxy.extra["x-forwarded-for"] = "198.51.100.1, 10.1.2.3";
  CHECK(proxy.get("/items").status == 200);
  CHECK(proxy.get("/audit").status == 200);
  CHECK(auditCount(f.store, "login", "ok") == 1);
  bool sawClient = false;
  for (const auto& a : f.store.auditLog({})) sawClient = sawClient || a.client == "web:10.1.2.3";
  CHECK(sawClient);
  CHECK(proxy.post("/lang", "lang=en").status == 303);  // the session's token works across requests
  // Not from the proxy: X-Forwarded-For is the client's word and is ignored.
  Browser direct(*f.console);
  direct.peer = "192.0.2.5";
  direct.extra["x-forwarded-for"] = "10.9.9.9";
  direct.login("nobody", "x");
  for (const auto& a : f.store.auditLog({})) CHECK(a.client != "web:10.9.9.9");
  // A request page never signs anyone in, whatever the header says.
  const std::string id = f.putMail("Subject: a\r\n\r\na\r\n", "a");
  const std::int64_t until = f.now.load() + 3600;
  Browser clerk(*f.console);
  clerk.peer = "127.0.0.1";
  clerk.extra["x-remote-user"] = "admin1";
  const auto r = clerk.get("/request/" + id + "?until=" + std::to_string(until) + "&sig=" + requestSignature(kKey, id, until));
  CHECK(r.status == 200);
  CHECK(clerk.cookie.empty());
}
