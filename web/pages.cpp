// The console's pages: the layout, login, search, item detail and the
// audit log. Every value from the store passes through h() (web/html.h).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>

#include "core/charset/rfc2047.h"
#include "core/ascii_case.h"
#include "core/log_escape.h"
#include "core/csv.h"
#include "core/job/job.h"
#include "core/quarantine/release.h"
#include "web/console_context.h"
#include "web/static_files.h"

namespace mugai::web {
namespace {

constexpr int kPageSize = 50;
constexpr int kMaxPage = 200;  // deeper than 10,000 items: narrow the search

std::string th(Lang l, const char* key) { return "<th>" + h(tr(l, key)) + "</th>"; }

std::string sizeText(std::uint64_t n) {
  if (n < 1024) return std::to_string(n) + " B";
  if (n < 1024 * 1024) return std::to_string((n + 512) / 1024) + " KiB";
  return std::to_string((n + 512 * 1024) / (1024 * 1024)) + " MiB";
}

std::string joined(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string option(const std::string& value, const std::string& label, const std::string& current) {
  return "<option value=\"" + h(value) + "\"" + (value == current ? " selected" : "") + ">" + h(label) + "</option>";
}

std::string input(const char* name, const std::string& label, const std::string& value, const char* type = "text") {
  return "<label>" + h(label) + " <input type=\"" + type + "\" name=\"" + name + "\" value=\"" + h(value) + "\"></label> ";
}

// The header block of a mail (at most 64 KiB of it), one decoded field per
// entry. Display only: no MIME parsing beyond unfolding and RFC 2047 words.
std::vector<std::pair<std::string, std::string>> headerFields(const std::string& original) {
  std::string_view block(original);
  block = block.substr(0, 64 * 1024);
  std::size_t end = block.find("\r\n\r\n");
  if (end == std::string_view::npos) end = block.find("\n\n");
  if (end != std::string_view::npos) block = block.substr(0, end);
  std::vector<std::pair<std::string, std::string>> out;
  std::string current;
  auto flush = [&] {
    if (current.empty()) return;
    const std::size_t colon = current.find(':');
    if (colon != std::string::npos && out.size() < 300)
      out.emplace_back(current.substr(0, colon), charset::decodeHeader(charset::unfold(current.substr(colon + 1))));
    current.clear();
  };
  std::size_t i = 0;
  while (i < block.size()) {
    std::size_t nl = block.find('\n', i);
    if (nl == std::string_view::npos) nl = block.size();
    std::string_view line = block.substr(i, nl - i);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) current += "\r\n" + std::string(line);
    else {
      flush();
      current = line;
    }
    i = nl + 1;
  }
  flush();
  return out;
}

}  // namespace

std::string loginForm(const Console::Context& c, const std::string& error) {
  const Lang l = c.lang;
  std::string b;
  if (!error.empty()) b += "<p class=\"error\">" + h(error) + "</p>";
  b += "<form method=\"post\" action=\"/login\" class=\"login\">" + c.csrfField() +
       "<p><label>" + h(tr(l, "user")) + "<br><input name=\"user\" autocomplete=\"username\" required autofocus></label></p>"
       "<p><label>" + h(tr(l, "password")) +
       "<br><input type=\"password\" name=\"password\" autocomplete=\"current-password\" required></label></p>"
       "<p><button type=\"submit\">" + h(tr(l, "login")) + "</button></p></form>";
  return b;
}

Response staticFile(const std::string& path) {
  Response r;
  const StaticFile* f = findStaticFile(path.substr(std::string("/static/").size()));
  if (!f) {
    r.status = 404;
    r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    r.body = "not found\n";
    return r;
  }
  r.headers.emplace_back("Content-Type", f->type);
  r.headers.emplace_back("Cache-Control", "private, max-age=3600");
  r.body = f->body;
  return r;
}

std::string Console::layout(Context& c, const std::string& title, const std::string& body) {
  const Lang l = c.lang;
  std::string back = c.request.target;
  if (c.request.method != "GET" && c.request.method != "HEAD") back = "/items";
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"" + std::string(l == Lang::Ja ? "ja" : "en") +
      "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">"
      "<meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">"
      "<title>" + h(title) + " - " + h(tr(l, "title")) + "</title>"
      "<link rel=\"stylesheet\" href=\"/static/mugai.css\"><script src=\"/static/mugai.js\" defer></script></head><body>"
      "<header><span class=\"brand\">" + h(tr(l, "title")) + "</span>";
  const bool in = c.session && !c.session->user.empty();
  if (in)
    out += "<nav><a href=\"/items\">" + h(tr(l, "items")) + "</a> <a href=\"/requests\">" + h(tr(l, "requests")) +
           "</a> <a href=\"/audit\">" + h(tr(l, "audit")) + "</a></nav>";
  out += "<div class=\"account\">";
  if (c.session)
    out += "<form method=\"post\" action=\"/lang\" class=\"inline\">" + c.csrfField() +
           "<input type=\"hidden\" name=\"lang\" value=\"" + std::string(l == Lang::Ja ? "en" : "ja") + "\">"
           "<input type=\"hidden\" name=\"back\" value=\"" + h(back) + "\">"
           "<button type=\"submit\" class=\"link\" id=\"lang\">" + h(tr(l, "language")) + "</button></form> ";
  if (in) {
    out += "<span class=\"user\">" + h(c.session->user) + " (" + h(c.session->role) + ")</span> ";
    if (!c.session->sso)
      out += "<form method=\"post\" action=\"/logout\" class=\"inline\">" + c.csrfField() +
             "<button type=\"submit\" class=\"link\" id=\"logout\">" + h(tr(l, "logout")) + "</button></form>";
  }
  out += "</div></header><main><h1>" + h(title) + "</h1>" + body + "</main></body></html>\n";
  return out;
}

Response Console::itemsPage(Context& c) {
  const Lang l = c.lang;
  quarantine::ListFilter f;
  const std::string since = c.param("since"), before = c.param("before");
  if (!since.empty() && jstDayStart(since) >= 0) f.since = jstDayStart(since);
  if (!before.empty() && jstDayStart(before) >= 0) f.before = jstDayStart(before) + 86400;  // the whole day
  f.sender = c.param("sender").substr(0, 256);
  f.recipient = c.param("recipient").substr(0, 256);
  f.subject = c.param("subject").substr(0, 256);
  f.reason = c.param("reason").substr(0, 128);
  const std::string verdict = c.param("verdict"), status = c.param("status"), source = c.param("source");
  if (verdict == "changed" || verdict == "rejected" || verdict == "unchanged") f.verdict = verdict;
  if (status == "released" || status == "held") f.status = status;
  if (source == "mail" || source == "file") f.source = source;
  const std::string id = toLower(c.param("id"));
  const bool idOk = !id.empty() && id.size() <= 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!id.empty() && !idOk) return message(c, 400, tr(l, "items"), tr(l, "bad_request"));
  f.idPrefix = id;
  for (const std::string* term : {&f.sender, &f.recipient, &f.subject, &f.reason})
    if (std::any_of(term->begin(), term->end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; }))
      return message(c, 400, tr(l, "items"), tr(l, "bad_request"));
  int page = 1;
  if (const std::string p = c.param("page"); !p.empty() && p.size() <= 6 && p.find_first_not_of("0123456789") == std::string::npos)
    page = std::clamp(std::stoi(p), 1, kMaxPage);
  f.limit = kPageSize + 1;
  f.offset = (page - 1) * kPageSize;
  std::vector<quarantine::Item> items;
  try {
    items = store_.list(f);
  } catch (const quarantine::SearchTooBroad&) {
    return message(c, 503, tr(l, "items"), tr(l, "too_broad"));
  }
  const bool more = items.size() > static_cast<std::size_t>(kPageSize) && page < kMaxPage;
  if (more) items.pop_back();

  std::string b = "<form method=\"get\" action=\"/items\" class=\"search\" id=\"search\">";
  b += input("since", tr(l, "since"), since, "date") + input("before", tr(l, "before"), before, "date");
  b += input("subject", tr(l, "subject"), c.param("subject")) + input("sender", tr(l, "sender"), c.param("sender")) +
       input("recipient", tr(l, "recipient"), c.param("recipient")) + input("reason", tr(l, "reason"), c.param("reason")) +
       input("id", tr(l, "id"), c.param("id"));
  b += "<label>" + h(tr(l, "verdict")) + " <select name=\"verdict\">" + option("", tr(l, "any"), verdict) +
       option("changed", tr(l, "changed"), verdict) + option("rejected", tr(l, "rejected"), verdict) +
       option("unchanged", tr(l, "unchanged"), verdict) + "</select></label> ";
  b += "<label>" + h(tr(l, "status")) + " <select name=\"status\">" + option("", tr(l, "any"), status) +
       option("held", tr(l, "held"), status) + option("released", tr(l, "released"), status) + "</select></label> ";
  b += "<label>" + h(tr(l, "source")) + " <select name=\"source\">" + option("", tr(l, "any"), source) +
       option("mail", tr(l, "mail"), source) + option("file", tr(l, "file"), source) + "</select></label> ";
  b += "<button type=\"submit\">" + h(tr(l, "search")) + "</button> <a href=\"/items\">" + h(tr(l, "clear")) +
       "</a></form>";

  if (items.empty()) return html(c, 200, tr(l, "items"), b + "<p class=\"empty\">" + h(tr(l, "no_items")) + "</p>");
  const bool admin = c.session->role == "admin";
  if (admin) b += "<form method=\"post\" action=\"/bulk\" id=\"bulk\">" + c.csrfField();
  b += "<table class=\"items\"><thead><tr>";
  if (admin) b += "<th><input type=\"checkbox\" class=\"select-all\" title=\"" + h(tr(l, "select_all")) + "\"></th>";
  b += th(l, "time") + th(l, "sender") + th(l, "recipient") + th(l, "subject") + th(l, "reasons") + th(l, "verdict") +
       th(l, "status") + "</tr></thead><tbody>";
  for (const auto& it : items) {
    const std::string link = "/items/" + it.id;
    b += "<tr>";
    if (admin) b += "<td><input type=\"checkbox\" name=\"ids\" value=\"" + h(it.id) + "\"></td>";
    const std::string title = it.source == "file" ? it.filename : it.subject;
    b += "<td class=\"time\">" + h(jst(it.time)) + "</td><td>" + h(it.sender) + "</td><td>" +
         h(it.recipients.empty() ? "" : it.recipients[0]) +
         (it.recipients.size() > 1 ? " +" + std::to_string(it.recipients.size() - 1) : "") + "</td>";
    b += "<td><a href=\"" + h(link) + "\">" + (title.empty() ? "(" + h(it.id.substr(0, 8)) + ")" : h(title)) + "</a></td>";
    b += "<td class=\"codes\">" + h(joined(it.reasons, " ")) + "</td><td>" + h(tr(l, it.verdict == "rejected" ? "rejected" : it.verdict == "unchanged" ? "unchanged" : "changed")) +
         "</td><td>" + h(tr(l, store_.released(it.id) ? "released" : "held")) + "</td></tr>";
  }
  b += "</tbody></table>";
  if (admin)
    b += "<p class=\"bulk\"><button type=\"submit\" name=\"action\" value=\"release\" id=\"bulk-release\">" +
         h(tr(l, "bulk_release")) + "</button> <label><input type=\"checkbox\" name=\"confirm\" value=\"yes\"> " +
         h(tr(l, "confirm")) + "</label> <button type=\"submit\" name=\"action\" value=\"purge\" class=\"danger\">" +
         h(tr(l, "bulk_purge")) + "</button></p></form>";
  // Pages keep the search.
  std::string query;
  for (const char* k : {"since", "before", "subject", "sender", "recipient", "reason", "id", "verdict", "status", "source"})
    if (!c.param(k).empty()) query += std::string(k) + "=" + urlEncode(c.param(k)) + "&";
  b += "<p class=\"pages\">";
  if (page > 1) b += "<a href=\"/items?" + h(query) + "page=" + std::to_string(page - 1) + "\">" + h(tr(l, "prev")) + "</a> ";
  b += std::to_string(page);
  if (more) b += " <a href=\"/items?" + h(query) + "page=" + std::to_string(page + 1) + "\" id=\"next\">" + h(tr(l, "next")) + "</a>";
  b += "</p>";
  return html(c, 200, tr(l, "items"), b);
}

Response Console::itemPage(Context& c) {
  const Lang l = c.lang;
  if (!quarantine::validId(c.itemId)) return message(c, 404, tr(l, "detail"), tr(l, "not_found"));
  auto it = store_.get(c.itemId);
  if (!it) return message(c, 404, tr(l, "detail"), tr(l, "not_found"));
  std::string b = "<table class=\"meta\">";
  auto row = [&](const char* key, const std::string& value) {
    b += "<tr><th>" + h(tr(l, key)) + "</th><td>" + h(value) + "</td></tr>";
  };
  row("id", it->id);
  row("time", jst(it->time));
  row("source", tr(l, it->source == "file" ? "file" : "mail"));
  if (it->source == "file") row("name", it->filename);
  else {
    row("subject", it->subject);
    row("sender", it->sender);
    row("recipient", joined(it->recipients));
    row("envelope", it->envelope ? "MAIL FROM:<" + it->envelope->from + "> RCPT TO:<" + joined(it->envelope->to, ">, <") + ">"
                                 : std::string(tr(l, "envelope_none")));
  }
  row("size", sizeText(it->size));
  row("sha256", it->sha256);
  row("verdict", tr(l, it->verdict == "rejected" ? "rejected" : it->verdict == "unchanged" ? "unchanged" : "changed"));
  row("reasons", joined(it->reasons, " "));
  row("status", tr(l, store_.released(it->id) ? "released" : "held"));
  b += "</table>";

  // What was done: the report's parts and findings.
  auto report = nlohmann::json::parse(it->reportJson, nullptr, false);
  b += "<h2>" + h(tr(l, "parts")) + "</h2><table class=\"parts\"><thead><tr>" + th(l, "path") + th(l, "name") + th(l, "type") + th(l, "action") + th(l, "reason") + "</tr></thead><tbody>";
  auto str = [](const nlohmann::json& j, const char* k) {
    return j.is_object() && j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
  };
  if (report.is_object() && report.contains("nodes") && report["nodes"].is_array()) {
    for (const auto& n : report["nodes"]) {
      if (str(n, "kind") == "multipart") continue;
      std::string why = str(n, l == Lang::Ja && !str(n, "reason_ja").empty() ? "reason_ja" : "reason");
      if (!str(n, "code").empty()) why = str(n, "code") + (why.empty() ? "" : ": " + why);
      b += "<tr class=\"" + h(str(n, "action")) + "\"><td>" + h(str(n, "path")) + "</td><td>" + h(str(n, "filename")) +
           "</td><td>" + h(str(n, "declared_type")) + (str(n, "true_type").empty() || str(n, "true_type") == str(n, "declared_type") ? "" : " → " + h(str(n, "true_type"))) +
           "</td><td>" + h(str(n, "action")) + "</td><td>" + h(why) + "</td></tr>";
    }
  } else {  // an item without a report (a crashed worker): its actions
    auto actions = nlohmann::json::parse(it->actionsJson, nullptr, false);
    if (actions.is_array())
      for (const auto& a : actions)
        b += "<tr><td>" + h(str(a, "path")) + "</td><td>" + h(str(a, "name")) + "</td><td></td><td>" + h(str(a, "action")) +
             "</td><td>" + h(str(a, "code")) + "</td></tr>";
  }
  b += "</tbody></table>";
  if (report.is_object() && report.contains("findings") && report["findings"].is_array() && !report["findings"].empty()) {
    b += "<ul class=\"findings\">";
    for (const auto& f : report["findings"])
      b += "<li><code>" + h(str(f, "code")) + "</code> " + h(str(f, "detail")) + "</li>";
    b += "</ul>";
  }

  if (it->source == "mail")
    b += "<p><a href=\"/items/" + h(it->id) + "/preview\" id=\"preview\">" + h(tr(l, "preview")) + "</a></p>";
  if (it->source == "mail") {
    std::string original;
    try {
      original = store_.readOriginal(*it);
    } catch (const quarantine::StoreError& e) {
      original.clear();  // the detail (with the store's path) goes to the log, not the page
      std::cerr << "mugai-web: cannot read the original of " << it->id << ": " << logValue(e.what()) << "\n";
      b += "<p class=\"error\">" + h(tr(l, "original_unreadable")) + "</p>";
    }
    if (!original.empty()) {
      b += "<h2>" + h(tr(l, "headers")) + "</h2><table class=\"headers\">";
      for (const auto& [name, value] : headerFields(original))
        b += "<tr><th>" + h(name) + "</th><td>" + h(value) + "</td></tr>";
      b += "</table>";
    }
  }

  if (c.session->role == "admin") {
    const std::string base = "/items/" + it->id;
    if (it->source == "mail")
      b += "<h2>" + h(tr(l, "release")) + "</h2><p>" + h(tr(l, "release_help")) + "</p><form method=\"post\" action=\"" +
           h(base) + "/release\" id=\"release\">" + c.csrfField() + "<input type=\"hidden\" name=\"mode\" value=\"resanitized\">" +
           input("to", tr(l, "release_to"), "") + "<button type=\"submit\">" + h(tr(l, "release")) + "</button></form>";
    if (c.session->originals) {
      const std::string reauth = "<label>" + h(tr(l, "why")) + " <input name=\"reason\" required></label> <label>" +
                                 h(tr(l, "password")) + " <input type=\"password\" name=\"password\" required></label> <label>"
                                 "<input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> " + h(tr(l, "confirm_raw")) + "</label> ";
      b += "<h2>" + h(tr(l, "release_raw")) + "</h2><p class=\"warning\">" + h(tr(l, "release_raw_help")) + "</p>";
      if (it->source == "mail")
        b += "<form method=\"post\" action=\"" + h(base) + "/release\" class=\"danger\">" + c.csrfField() +
             "<input type=\"hidden\" name=\"mode\" value=\"original\">" + input("to", tr(l, "release_to"), "") + reauth +
             "<button type=\"submit\" class=\"danger\">" + h(tr(l, "release_raw")) + "</button></form>";
      b += "<form method=\"post\" action=\"" + h(base) + "/download\" class=\"danger\">" + c.csrfField() + reauth +
           "<button type=\"submit\" class=\"danger\">" + h(tr(l, "download")) + "</button></form>";
    }
    b += "<h2>" + h(tr(l, "purge")) + "</h2><p>" + h(tr(l, "purge_help")) + "</p><form method=\"post\" action=\"" + h(base) +
         "/purge\">" + c.csrfField() + "<label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> " +
         h(tr(l, "confirm")) + "</label> <button type=\"submit\" class=\"danger\">" + h(tr(l, "purge")) + "</button></form>";
  }

  const auto requests = store_.requests("", it->id, 50);
  if (!requests.empty()) {
    b += "<h2>" + h(tr(l, "requests")) + "</h2><ul class=\"requests\">";
    for (const auto& r : requests)
      b += "<li>" + h(jst(r.time)) + " " + h(r.requester) + ": " + h(r.reason) + " — " + h(r.state) + "</li>";
    b += "</ul><p><a href=\"/requests\">" + h(tr(l, "requests")) + "</a></p>";
  }

  quarantine::AuditFilter af;
  af.itemId = it->id;
  af.limit = 200;
  const auto entries = store_.auditLog(af);
  if (!entries.empty()) {
    b += "<h2>" + h(tr(l, "history")) + "</h2>" ;
    b += "<table class=\"audit\"><thead><tr>" + th(l, "time_short") + th(l, "who") + th(l, "action") + th(l, "target") +
         th(l, "result") + "</tr></thead><tbody>";
    for (const auto& a : entries)
      b += "<tr><td class=\"time\">" + h(jst(a.time)) + "</td><td>" + h(a.who) + " (" + h(a.role) + ", " + h(a.client) +
           ")</td><td>" + h(a.action) + "</td><td>" + h(a.target) + "</td><td>" + h(a.result) + "</td></tr>";
    b += "</tbody></table>";
  }
  b += "<p><a href=\"/items\">" + h(tr(l, "back")) + "</a></p>";
  return html(c, 200, tr(l, "detail"), b);
}

Response Console::previewPage(Context& c) {
  const Lang l = c.lang;
  if (!quarantine::validId(c.itemId)) return message(c, 404, tr(l, "preview"), tr(l, "not_found"));
  auto it = store_.get(c.itemId);
  if (!it || it->source != "mail") return message(c, 404, tr(l, "preview"), tr(l, "not_found"));
  // Parsed and converted in a confined job worker, never here; the text
  // comes back as data and is shown escaped, line by line.
  job::Request request{job::Kind::Mail, job::Policy::Preview, it->id, "", {}, store_.readOriginal(*it)};
  job::Result r;
  try {
    r = pool().run(request);
  } catch (const job::WorkerFailed& e) {
    quarantine::recordAudit(store_, actor(c), it->id, "preview", "text", "failed: " + e.code());
    return message(c, 502, tr(l, "preview"), tr(l, "preview_failed"));
  }
  quarantine::recordAudit(store_, actor(c), it->id, "preview", "text", "ok");
  std::string text;
  std::size_t start = 0;
  while (start <= r.preview.size()) {
    std::size_t end = r.preview.find('\n', start);
    if (end == std::string::npos) end = r.preview.size();
    std::string line = r.preview.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    text += h(line) + "\n";
    start = end + 1;
  }
  std::string b = "<p>" + h(tr(l, "preview_help")) + "</p><table class=\"meta\"><tr><th>" + h(tr(l, "subject")) + "</th><td>" +
                  h(it->subject) + "</td></tr></table><pre class=\"preview\" id=\"preview-text\">" + text + "</pre>";
  b += "<p><a href=\"/items/" + h(it->id) + "\">" + h(tr(l, "detail")) + "</a></p>";
  return html(c, 200, tr(l, "preview"), b);
}

namespace {
quarantine::AuditFilter auditFilter(const Console::Context& c, int limit) {
  quarantine::AuditFilter f;
  std::string id = c.param("item");
  if (quarantine::validId(id)) f.itemId = id;
  if (const auto s = jstDayStart(c.param("since")); s >= 0) f.since = s;
  if (const auto b = jstDayStart(c.param("before")); b >= 0) f.before = b + 86400;
  f.limit = limit;
  return f;
}
}  // namespace

Response Console::auditPage(Context& c) {
  const Lang l = c.lang;
  const auto entries = store_.auditLog(auditFilter(c, 500));
  std::string query;
  for (const char* k : {"item", "since", "before"})
    if (!c.param(k).empty()) query += std::string(query.empty() ? "?" : "&") + k + "=" + urlEncode(c.param(k));
  std::string b = "<form method=\"get\" action=\"/audit\" class=\"search\">" + input("since", tr(l, "since"), c.param("since"), "date") +
                  input("before", tr(l, "before"), c.param("before"), "date") + input("item", tr(l, "item"), c.param("item")) +
                  "<button type=\"submit\">" + h(tr(l, "search")) + "</button> <a href=\"/audit.csv" + h(query) +
                  "\" id=\"csv\">" + h(tr(l, "csv")) + "</a></form>";
  if (entries.empty()) return html(c, 200, tr(l, "audit"), b + "<p class=\"empty\">" + h(tr(l, "no_entries")) + "</p>");
  b += "<table class=\"audit\"><thead><tr>" + th(l, "time_short") + th(l, "who") + th(l, "role") + th(l, "client") +
       th(l, "action") + th(l, "item") + th(l, "target") + th(l, "result") + "</tr></thead><tbody>";
  for (const auto& a : entries) {
    b += "<tr><td class=\"time\">" + h(jst(a.time)) + "</td><td>" + h(a.who) + "</td><td>" + h(a.role) + "</td><td>" +
         h(a.client) + "</td><td>" + h(a.action) + "</td><td>";
    b += a.itemId.empty() ? "" : "<a href=\"/items/" + h(a.itemId) + "\">" + h(a.itemId.substr(0, 8)) + "</a>";
    b += "</td><td>" + h(a.target) + "</td><td>" + h(a.result) + "</td></tr>";
  }
  b += "</tbody></table>";
  return html(c, 200, tr(l, "audit"), b);
}

Response Console::auditCsv(Context& c) {
  Response r;
  r.headers.emplace_back("Content-Type", "text/csv; charset=utf-8");
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"mugai-audit.csv\"");
  // A BOM, so Excel on Japanese Windows reads UTF-8 (not CP932).
  r.body = "\xEF\xBB\xBFseq,time_jst,who,role,action,item,client,target,result\r\n";
  for (const auto& a : store_.auditLog(auditFilter(c, 200000)))  // narrower: --since/--before
    r.body += std::to_string(a.seq) + "," + csvCell(jst(a.time)) + "," + csvCell(a.who) + "," + csvCell(a.role) + "," +
              csvCell(a.action) + "," + csvCell(a.itemId) + "," + csvCell(a.client) + "," + csvCell(a.target) + "," +
              csvCell(a.result) + "\r\n";
  return r;
}

}  // namespace mugai::web
