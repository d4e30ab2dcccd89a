#include "core/quarantine/release.h"

#include <syslog.h>
#include <unistd.h>

#include <sstream>
#include <thread>

#include "core/clock.h"
#include "core/log_escape.h"
#include "core/smtp_address.h"
#include "core/smtp_client.h"

namespace mugai::quarantine {
namespace {

std::string shownAddress(const std::string& a) { return "<" + logValue(a) + ">"; }

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

// Names this release among every node's: host, process and thread.
std::string releaseClaimant() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::ostringstream who;
  who << host << " pid " << ::getpid() << " thread " << std::this_thread::get_id();
  return who.str();
}

}  // namespace

void recordAudit(QuarantineStore& store, const Actor& actor, const std::string& itemId, const std::string& action,
                 const std::string& target, const std::string& result) {
  store.audit({0, epochSeconds(), actor.who, actor.role, action, itemId, actor.client, target, result});
  const bool loud = action == "release_raw" || action == "export" || action == "download";
  ::openlog("mugai", LOG_PID, LOG_AUTHPRIV);
  ::syslog(loud ? LOG_WARNING : LOG_NOTICE, "quarantine %s of %s by %s [%s, %s] to %s: %s", action.c_str(),
           itemId.empty() ? "(store)" : itemId.c_str(), logValue(actor.who).c_str(), logValue(actor.role).c_str(),
           logValue(actor.client).c_str(), logValue(target).c_str(), logValue(result).c_str());
  ::closelog();
}

std::string resanitize(job::Pool& pool, const Item& item, const std::string& original, std::string& why) {
  // The original's id names the run: the notice in the released mail
  // points at the original, which stays in quarantine.
  job::Request request{item.source == "mail" ? job::Kind::Mail : job::Kind::File, job::Policy::Release, item.id,
                       item.filename, {}, original};
  const job::Result r = pool.run(request);
  if (item.source == "mail") {
    if (r.rejected()) why = "the release policy still rejects the message";
    return r.output;
  }
  if (r.removed)
    for (const job::Part& p : r.parts)
      if (why.empty() && p.action != "keep") why = "the release policy still removes it: " + p.code + " — " + p.reason;
  return r.removed ? "" : r.output;
}

ReleaseOutcome releaseByMail(const Config& config, QuarantineStore& store, job::Pool* pool, const Item& item,
                             const MailRelease& request, const Actor& actor) {
  const std::string action = request.raw ? "release_raw" : "release";
  ReleaseOutcome out;
  auto refuse = [&](const std::string& why, const std::string& target,
                    ReleaseOutcome::Status status = ReleaseOutcome::Status::Refused) {
    recordAudit(store, actor, item.id, action, target, "refused: " + why);
    out.status = status;
    out.detail = why;
    return out;
  };
  if (item.source != "mail") return refuse("item " + item.id + " is a file, not a mail", "(mail)");

  std::vector<std::string> rcpts = request.to;
  if (rcpts.empty() && item.envelope) rcpts = item.envelope->to;
  if (rcpts.empty())
    return refuse("item " + item.id + " has no SMTP envelope on record (it was not received by mugaid): name the recipients",
                  "(mail)");
  for (const auto& a : rcpts)
    if (!validMailbox(a))
      return refuse("invalid recipient address " + shownAddress(a) + " (RFC 5321 syntax, no control characters)", "(mail)");
  std::string from = config.quarantine.releaseFrom;
  if (from.empty() && item.envelope) from = item.envelope->from;
  if (!from.empty() && !validMailbox(from))
    return refuse("invalid sender address " + shownAddress(from) + " (release_from or the recorded envelope)", "(mail)");
  out.target = joined(rcpts) + " via " + config.quarantine.releaseRelay;

  // One release of an item at a time, on every node that shares the
  // store: a second one started meanwhile is refused, so it goes out once.
  // The lease outlasts a worker's time limit and a slow relay's replies.
  const std::string claim = releaseClaimant();
  const std::int64_t lease = config.worker.timeoutSeconds + 600;
  if (!store.claimRelease(item.id, claim, epochSeconds(), lease))
    return refuse("another release of item " + item.id + " is under way (別の解除処理が進行中です)", out.target);
  struct Unclaim {
    QuarantineStore& store;
    const std::string& id;
    const std::string& claim;
    ~Unclaim() {
      try {
        store.endRelease(id, claim);
      } catch (const StoreError&) {
        // The lease runs out by itself.
      }
    }
  } unclaim{store, item.id, claim};

  std::string original = store.readOriginal(item);
  std::string bytes = original;
  if (!request.raw) {
    if (!pool) throw std::logic_error("releaseByMail: a resanitized release needs a job pool");
    std::string why;
    try {
      bytes = resanitize(*pool, item, original, why);
    } catch (const job::WorkerFailed& e) {
      recordAudit(store, actor, item.id, action, out.target, "failed: " + e.code() + ": " + e.what());
      out.status = ReleaseOutcome::Status::Failed;
      out.detail = std::string(e.what()) + ": nothing was released";
      out.workerCode = e.code();
      return out;
    }
    if (!why.empty()) return refuse(why, out.target, ReleaseOutcome::Status::Removed);
  }

  SubmitOptions options;
  options.timeoutSeconds = 60;
  recordAudit(store, actor, item.id, action, out.target,  // before the mail leaves
              request.reason.empty() ? "started" : "started; reason: " + request.reason);
  const SubmitResult r = submitMail(config.quarantine.releaseRelay, from, rcpts, bytes, options);
  out.partial = r.ok && r.accepted.size() != rcpts.size();
  recordAudit(store, actor, item.id, action, out.target,
              r.ok ? "ok: " + r.detail + (out.partial ? "; accepted only: " + joined(r.accepted) : "") : "failed: " + r.detail);
  out.status = r.ok ? ReleaseOutcome::Status::Released : ReleaseOutcome::Status::Failed;
  out.detail = r.detail;
  return out;
}

}  // namespace mugai::quarantine
