// Release requests (隔離解除申請): a recipient opens the signed link of a
// notice, says why, and the request waits in the console's queue; an
// administrator approves (the original is released re-sanitized to the
// requester alone, through core/quarantine/release.h) or denies it, and
// the requester is told by mail. A link can only ask, never release.
#include <openssl/evp.h>
#include <unistd.h>

#include <iostream>

#include "core/display_text.h"
#include "core/ascii_case.h"
#include "core/log_escape.h"
#include "core/quarantine/release.h"
#include "core/request_link.h"
#include "core/smtp_address.h"
#include "core/smtp_client.h"
#include "web/console_context.h"

namespace mugai::web {
namespace {

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// One of the item's recipients: the SMTP envelope mugaid recorded, or for
// an item without one (`mugai mail`) the To addresses it was indexed
// under ("Name <a@b>" counts as a@b).
bool isRecipient(const quarantine::Item& it, const std::string& address) {
  std::vector<std::string> all = it.envelope ? it.envelope->to : it.recipients;
  for (std::string a : all) {
    if (const auto open = a.rfind('<'); open != std::string::npos && a.back() == '>') a = a.substr(open + 1, a.size() - open - 2);
    if (equalsIgnoreCase(a, address)) return true;
  }
  return false;
}

const char* stateKey(const std::string& state) {
  if (state == "approved") return "req_approved";
  if (state == "denied") return "req_denied";
  if (state == "failed") return "req_failed";
  return "req_pending";
}

}  // namespace

std::string Console::sendMail(const std::vector<std::string>& to, const std::string& subject, const std::string& body) {
  if (to.empty()) return "";
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  const std::string from = web_.mailFrom.empty() ? "mugai-web@" + std::string(host) : web_.mailFrom;
  std::string recipients;
  for (const auto& a : to) recipients += (recipients.empty() ? "" : ", ") + a;
  std::string message = "From: " + from + "\r\nTo: " + recipients + "\r\nSubject: =?UTF-8?B?" + base64(subject) +
                        "?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                        "Content-Transfer-Encoding: base64\r\nAuto-Submitted: auto-generated\r\n\r\n";
  const std::string encoded = base64(body);
  for (std::size_t i = 0; i < encoded.size(); i += 76) message += encoded.substr(i, 76) + "\r\n";
  SubmitOptions options;
  options.timeoutSeconds = 30;
  const SubmitResult r = submitMail(config_.quarantine.releaseRelay, web_.mailFrom, to, message, options);
  if (!r.ok) {
    std::cerr << "mugai-web: cannot mail " << logValue(recipients) << ": " << logValue(r.detail) << "\n";
    return r.detail.empty() ? "the relay did not take it" : r.detail;
  }
  return "";
}

std::optional<quarantine::Item> Console::linkedItem(Context& c, const std::string& until, const std::string& sig,
                                                     Response& error) {
  const Lang l = c.lang;
  const std::string& key = config_.notice.consoleKey;
  std::int64_t expiry = -1;
  if (!until.empty() && until.size() <= 12 && until.find_first_not_of("0123456789") == std::string::npos)
    expiry = std::stoll(until);
  if (key.empty() || !quarantine::validId(c.itemId) || expiry < 0 || sig.size() != 64 ||
      !validRequestSignature(key, c.itemId, expiry, sig)) {
    error = message(c, 403, tr(l, "req_title"), tr(l, "req_bad_link"));
    return std::nullopt;
  }
  if (expiry < now_()) {
    error = message(c, 410, tr(l, "req_title"), tr(l, "req_expired"));
    return std::nullopt;
  }
  auto it = store_.get(c.itemId);
  if (!it) error = message(c, 404, tr(l, "req_title"), tr(l, "req_gone"));
  return it;
}

Response Console::requestPage(Context& c) {
  const Lang l = c.lang;
  Response error;
  auto it = linkedItem(c, c.param("until"), c.param("sig"), error);
  if (!it) return error;
  std::string b = "<p>" + h(tr(l, "req_help")) + "</p><table class=\"meta\">";
  b += "<tr><th>" + h(tr(l, "id")) + "</th><td>" + h(it->id) + "</td></tr>";
  b += "<tr><th>" + h(tr(l, "time")) + "</th><td>" + h(jst(it->time)) + "</td></tr>";
  if (it->source == "mail") b += "<tr><th>" + h(tr(l, "subject")) + "</th><td>" + h(it->subject) + "</td></tr>";
  b += "</table><form method=\"post\" action=\"/request/" + h(it->id) + "\" id=\"request\">" + c.csrfField() +
       "<input type=\"hidden\" name=\"until\" value=\"" + h(c.param("until")) + "\"><input type=\"hidden\" name=\"sig\" value=\"" +
       h(c.param("sig")) + "\"><p><label>" + h(tr(l, "req_address")) +
       "<br><input type=\"email\" name=\"address\" required size=\"40\"></label></p><p><label>" + h(tr(l, "req_reason")) +
       "<br><textarea name=\"reason\" rows=\"4\" cols=\"60\" required maxlength=\"1000\"></textarea></label></p>"
       "<p><button type=\"submit\">" + h(tr(l, "req_send")) + "</button></p></form>";
  return html(c, 200, tr(l, "req_title"), b);
}

Response Console::requestPost(Context& c) {
  const Lang l = c.lang;
  Response error;
  auto it = linkedItem(c, c.field("until"), c.field("sig"), error);
  if (!it) return error;
  // Per client address and hour: requests_per_hour accepted ones, and five
  // times as many refused ones (someone guessing at recipients' addresses).
  auto quota = [&](bool accepted) {
    std::lock_guard lock(throttleMutex_);
    if (requestsBy_.size() > 100000) requestsBy_.clear();
    auto& [start, good, bad] = requestsBy_[c.client];
    if (now_() - start >= 3600) start = now_(), good = 0, bad = 0;
    int& n = accepted ? good : bad;
    return ++n <= (accepted ? web_.requestsPerHour : 5 * web_.requestsPerHour);
  };
  auto throttled = [&] {
    Response r = message(c, 429, tr(l, "req_title"), tr(l, "req_throttled"));
    r.headers.emplace_back("Retry-After", "3600");
    return r;
  };
  std::string address = c.field("address");
  while (!address.empty() && (address.back() == ' ' || address.back() == '\t')) address.pop_back();
  while (!address.empty() && (address.front() == ' ' || address.front() == '\t')) address.erase(0, 1);
  std::string reason = c.field("reason").substr(0, 1000);
  if (!validMailbox(address) || !isRecipient(*it, address)) {
    if (!quota(false)) return throttled();
    return message(c, 422, tr(l, "req_title"), tr(l, "req_not_recipient"));
  }
  if (reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    if (!quota(false)) return throttled();
    return message(c, 422, tr(l, "req_title"), tr(l, "need_reason"));
  }
  if (!quota(true)) return throttled();
  quarantine::ReleaseRequest request;
  request.itemId = it->id;
  request.time = now_();
  request.requester = address;
  request.reason = reason;
  request.client = "web:" + c.client;
  const std::int64_t seq = store_.addRequest(request);
  const quarantine::Actor requester{address, "recipient", "web:" + c.client};
  if (seq == 0) return message(c, 200, tr(l, "req_title"), tr(l, "req_already"));
  quarantine::recordAudit(store_, requester, it->id, "request", "request " + std::to_string(seq), "ok");
  if (!web_.notifyTo.empty()) {
    const std::string where = config_.notice.consoleUrl.empty() ? std::string("mugai-web") : config_.notice.consoleUrl + "/requests";
    const std::string body =
        "隔離の解放申請が届きました。コンソールで承認または却下してください。\n"
        "A release request is waiting. Approve or deny it in the console.\n\n"
        "申請者 / Requester: " + maskedText(address) + "\n隔離番号 / Quarantine id: " + it->id +
        "\n件名 / Subject: " + maskedText(it->subject) + "\n理由 / Reason: " + maskedText(reason) + "\n\n" + where + "\n";
    const std::string failed = sendMail(web_.notifyTo, "[mugai] 解放申請 / Release request " + it->id.substr(0, 8), body);
    if (!failed.empty()) quarantine::recordAudit(store_, requester, it->id, "request_notice", "administrators", "failed: " + failed);
  }
  return html(c, 200, tr(l, "req_title"), "<p class=\"ok\" id=\"outcome\">" + h(tr(l, "req_sent")) + "</p>");
}

Response Console::requestsPage(Context& c) {
  const Lang l = c.lang;
  auto pending = store_.requests("pending", "", 500);
  auto recent = store_.requests("", "", 200);
  std::erase_if(recent, [](const quarantine::ReleaseRequest& r) { return r.state == "pending"; });
  const bool admin = c.session->role == "admin";
  std::string b;
  auto table = [&](const std::vector<quarantine::ReleaseRequest>& rows, bool actions) {
    std::string t = "<table class=\"requests\"><thead><tr><th>" + h(tr(l, "time_short")) + "</th><th>" + h(tr(l, "item")) +
                    "</th><th>" + h(tr(l, "req_requester")) + "</th><th>" + h(tr(l, "req_reason")) + "</th><th>" +
                    h(tr(l, "status")) + "</th>" + (actions ? "<th>" + h(tr(l, "action")) + "</th>" : std::string()) +
                    "</tr></thead><tbody>";
    for (const auto& r : rows) {
      t += "<tr><td class=\"time\">" + h(jst(r.time)) + "</td><td><a href=\"/items/" + h(r.itemId) + "\">" +
           h(r.itemId.substr(0, 8)) + "</a></td><td>" + h(r.requester) + "</td><td>" + h(r.reason) + "</td><td>" +
           h(tr(l, stateKey(r.state))) + (r.decidedBy.empty() ? "" : " (" + h(r.decidedBy) + ")") +
           (r.note.empty() ? "" : ": " + h(r.note)) + "</td>";
      if (actions) {
        const std::string base = "/requests/" + std::to_string(r.seq);
        t += "<td><form method=\"post\" action=\"" + h(base) + "/approve\" class=\"inline\">" + c.csrfField() +
             "<button type=\"submit\" class=\"approve\">" + h(tr(l, "req_approve")) + "</button></form> <form method=\"post\" action=\"" +
             h(base) + "/deny\" class=\"inline\">" + c.csrfField() + "<input name=\"note\" placeholder=\"" + h(tr(l, "req_note")) +
             "\" maxlength=\"500\"> <button type=\"submit\" class=\"deny\">" + h(tr(l, "req_deny")) + "</button></form></td>";
      }
      t += "</tr>";
    }
    return t + "</tbody></table>";
  };
  b += "<h2>" + h(tr(l, "req_pending_list")) + "</h2>";
  b += pending.empty() ? "<p class=\"empty\">" + h(tr(l, "req_none")) + "</p>" : table(pending, admin);
  b += "<h2>" + h(tr(l, "req_decided")) + "</h2>";
  b += recent.empty() ? "<p class=\"empty\">" + h(tr(l, "req_none")) + "</p>" : table(recent, false);
  return html(c, 200, tr(l, "requests"), b);
}

namespace {
std::int64_t requestNumber(const std::string& text) {
  if (text.empty() || text.size() > 15 || text.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::stoll(text);
}
}  // namespace

std::optional<quarantine::ReleaseRequest> Console::claimedRequest(Context& c, Response& error) {
  const std::int64_t seq = requestNumber(c.itemId);
  auto request = seq ? store_.request(seq) : std::nullopt;
  if (!request) {
    error = message(c, 404, tr(c.lang, "requests"), tr(c.lang, "not_found"));
  } else if (!store_.claimRequest(seq, c.session->user, now_())) {
    error = message(c, 409, tr(c.lang, "requests"), tr(c.lang, "req_taken"));
    request.reset();
  }
  return request;
}

void Console::tellRequester(Context& c, const quarantine::ReleaseRequest& request, const std::string& body) {
  const std::string failed = sendMail({request.requester}, "[mugai] 解放申請の結果 / Your release request",
                                      body + "隔離番号 / Quarantine id: " + request.itemId + "\n");
  if (!failed.empty())
    quarantine::recordAudit(store_, actor(c), request.itemId, "request_notice", request.requester, "failed: " + failed);
}

Response Console::approvePost(Context& c) {
  Response refused;
  const auto request = claimedRequest(c, refused);
  if (!request) return refused;
  const std::int64_t seq = request->seq;
  auto it = store_.get(request->itemId);
  std::string state = "failed", note;
  if (!it) {
    note = "the item is no longer in quarantine";
  } else {
    quarantine::MailRelease release;
    release.to = {request->requester};
    release.reason = "request " + std::to_string(seq) + " by " + request->requester;
    try {
      const auto r = quarantine::releaseByMail(config_, store_, &pool(), *it, release, actor(c));
      if (r.status == quarantine::ReleaseOutcome::Status::Released) state = "approved";
      note = r.detail;
    } catch (const std::exception& e) {
      // The store or a worker failed: the request ends failed, not left deciding.
      note = e.what();
    }
  }
  const bool approved = state == "approved";
  store_.finishRequest(seq, state, approved ? "" : note);
  quarantine::recordAudit(store_, actor(c), request->itemId, "request_approve", "request " + std::to_string(seq),
                          approved ? "ok" : "failed: " + note);
  tellRequester(c, *request,
                approved ? "原本の解放申請が承認されました。解放したメールは別に届きます（解放ポリシーで再度無害化しています）。\n"
                           "Your request was approved. The released mail arrives separately (sanitized again under the "
                           "release policy).\n\n"
                         : "原本の解放申請は処理できませんでした。システム管理者にお問い合わせください。\n"
                           "Your request could not be carried out. Please ask your system administrator.\n\n");
  return message(c, approved ? 200 : 502, tr(c.lang, "requests"), tr(c.lang, approved ? "req_approved" : "req_failed"));
}

Response Console::denyPost(Context& c) {
  Response refused;
  const auto request = claimedRequest(c, refused);
  if (!request) return refused;
  const std::string note = c.field("note").substr(0, 500);
  store_.finishRequest(request->seq, "denied", note);
  quarantine::recordAudit(store_, actor(c), request->itemId, "request_deny", "request " + std::to_string(request->seq),
                          note.empty() ? "ok" : "ok: " + note);
  tellRequester(c, *request,
                "原本の解放申請は承認されませんでした。\nYour request for the original was denied.\n\n" +
                    (note.empty() ? std::string() : "管理者より / From the administrator: " + maskedText(note) + "\n\n"));
  return message(c, 200, tr(c.lang, "requests"), tr(c.lang, "req_denied"));
}

}  // namespace mugai::web
