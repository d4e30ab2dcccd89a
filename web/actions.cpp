// The console's actions: release (re-sanitized or, with the right, the
// untouched original), download of the original, purge, and the same in
// bulk. Releases run through core/quarantine/release.h, the code of
// `mugai quarantine release`; every action is in the audit log.
#include "core/quarantine/release.h"
#include "web/console_context.h"

namespace mugai::web {
namespace {

std::vector<std::string> recipientsField(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : text + ",") {
    if (ch == ',' || ch == ';' || ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else cur += ch;
  }
  return out;
}

}  // namespace

Response Console::releasePost(Context& c) {
  const Lang l = c.lang;
  if (!quarantine::validId(c.itemId)) return message(c, 404, tr(l, "release"), tr(l, "not_found"));
  auto it = store_.get(c.itemId);
  if (!it) return message(c, 404, tr(l, "release"), tr(l, "not_found"));
  quarantine::MailRelease request;
  request.raw = c.field("mode") == "original";
  request.to = recipientsField(c.field("to").substr(0, 8192));
  if (request.raw) {
    if (!c.session->originals) return message(c, 403, tr(l, "release_raw"), tr(l, "forbidden"));
    request.reason = c.field("reason").substr(0, 500);
    if (request.reason.find_first_not_of(" \t") == std::string::npos || c.field("confirm") != "yes")
      return message(c, 400, tr(l, "release_raw"), tr(l, "need_reason"));
    if (!reauthenticated(c)) return message(c, 403, tr(l, "release_raw"), tr(l, "need_password"));
  }
  const auto r = quarantine::releaseByMail(config_, store_, request.raw ? nullptr : &pool(), *it, request, actor(c));
  using Status = quarantine::ReleaseOutcome::Status;
  const char* head = r.status == Status::Released ? "released_ok"
                     : r.status == Status::Removed ? "release_removed"
                     : r.status == Status::Refused ? "release_refused"
                                                   : "release_failed";
  std::string b = "<p class=\"" + std::string(r.status == Status::Released ? "ok" : "error") + "\" id=\"outcome\">" +
                  h(tr(l, head)) + "</p><p>" + h(r.target) + "</p><p><code>" + h(r.detail) + "</code></p>";
  if (r.partial) b += "<p class=\"warning\">" + h(tr(l, "partial")) + "</p>";
  b += "<p><a href=\"/items/" + h(it->id) + "\">" + h(tr(l, "detail")) + "</a> <a href=\"/items\">" + h(tr(l, "back")) + "</a></p>";
  const int status = r.status == Status::Released ? 200 : r.status == Status::Failed ? 502 : 422;
  return html(c, status, tr(l, request.raw ? "release_raw" : "release"), b);
}

Response Console::downloadPost(Context& c) {
  const Lang l = c.lang;
  if (!quarantine::validId(c.itemId)) return message(c, 404, tr(l, "download"), tr(l, "not_found"));
  auto it = store_.get(c.itemId);
  if (!it) return message(c, 404, tr(l, "download"), tr(l, "not_found"));
  if (!c.session->originals) return message(c, 403, tr(l, "download"), tr(l, "forbidden"));
  const std::string reason = c.field("reason").substr(0, 500);
  if (reason.find_first_not_of(" \t") == std::string::npos || c.field("confirm") != "yes")
    return message(c, 400, tr(l, "download"), tr(l, "need_reason"));
  if (!reauthenticated(c)) return message(c, 403, tr(l, "download"), tr(l, "need_password"));
  const std::string original = store_.readOriginal(*it);
  const std::string name = it->id + (it->source == "mail" ? ".eml" : ".bin");
  quarantine::recordAudit(store_, actor(c), it->id, "download", name, "started; reason: " + reason);
  Response r;
  // Never shown in the browser: a download, of a type no browser renders.
  r.headers.emplace_back("Content-Type", "application/octet-stream");
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + "\"");
  r.body = original;
  quarantine::recordAudit(store_, actor(c), it->id, "download", name, "ok: " + std::to_string(original.size()) + " bytes");
  return r;
}

Response Console::purgePost(Context& c) {
  const Lang l = c.lang;
  if (!quarantine::validId(c.itemId)) return message(c, 404, tr(l, "purge"), tr(l, "not_found"));
  if (!store_.get(c.itemId)) return message(c, 404, tr(l, "purge"), tr(l, "not_found"));
  if (c.field("confirm") != "yes") return message(c, 400, tr(l, "purge"), tr(l, "need_confirm"));
  quarantine::recordAudit(store_, actor(c), c.itemId, "purge", "one item", "started");
  const auto r = store_.remove(c.itemId);
  quarantine::recordAudit(store_, actor(c), c.itemId, "purge", "one item",
                          r.failed ? "failed: the original could not be removed" : "ok");
  return message(c, r.failed ? 500 : 200, tr(l, "purge"), tr(l, r.failed ? "not_done" : "purged"));
}

Response Console::bulkPost(Context& c) {
  const Lang l = c.lang;
  const std::string action = c.field("action");
  std::vector<std::string> ids;
  for (auto [b, e] = c.form.equal_range("ids"); b != e && ids.size() < 100; ++b)  // a page is 50
    if (quarantine::validId(b->second)) ids.push_back(b->second);
  if (ids.empty()) return message(c, 400, tr(l, "items"), tr(l, "no_selection"));
  if (action != "release" && action != "purge") return message(c, 400, tr(l, "items"), tr(l, "bad_request"));
  if (action == "purge" && c.field("confirm") != "yes") return message(c, 400, tr(l, "purge"), tr(l, "need_confirm"));
  std::string b = "<table class=\"results\"><thead><tr><th>" + h(tr(l, "id")) + "</th><th>" + h(tr(l, "result")) +
                  "</th></tr></thead><tbody>";
  for (const auto& id : ids) {
    auto it = store_.get(id);
    std::string outcome;
    if (!it) outcome = tr(l, "not_found");
    else if (action == "release") {
      const auto r = quarantine::releaseByMail(config_, store_, &pool(), *it, {}, actor(c));
      using Status = quarantine::ReleaseOutcome::Status;
      outcome = std::string(tr(l, r.status == Status::Released ? "released_ok"
                                  : r.status == Status::Removed ? "release_removed"
                                  : r.status == Status::Refused ? "release_refused"
                                                                : "release_failed")) +
                ": " + r.detail;
    } else {
      quarantine::recordAudit(store_, actor(c), id, "purge", "one item (bulk)", "started");
      const auto r = store_.remove(id);
      quarantine::recordAudit(store_, actor(c), id, "purge", "one item (bulk)", r.failed ? "failed" : "ok");
      outcome = tr(l, r.failed ? "not_done" : "purged");
    }
    b += "<tr><td><a href=\"/items/" + h(id) + "\">" + h(id) + "</a></td><td>" + h(outcome) + "</td></tr>";
  }
  b += "</tbody></table><p><a href=\"/items\">" + h(tr(l, "back")) + "</a></p>";
  return html(c, 200, tr(l, action == "release" ? "bulk_release" : "bulk_purge"), b);
}

}  // namespace mugai::web
