// See processor.h.
#include "daemon/processor.h"

#include <chrono>
#include <future>
#include <map>

#include "core/clock.h"
#include "core/ids.h"
#include "core/log_escape.h"
#include "daemon/crash_notice.h"
#include "daemon/delivery.h"
#include "daemon/dsn.h"
#include "daemon/log.h"

namespace mugai::daemon {
namespace {

// Addresses for a log line, each escaped.
std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + logValue(x);
  return s;
}


// The reply to a before-queue client when we stop before its verdict: it
// retries later, the message was never acknowledged.
constexpr const char* kShuttingDown = "421 4.3.2 Service shutting down, try again later";

}  // namespace

struct Processor::Inline {
  Envelope envelope;
  MessageBody body;  // read into memory by the worker (at most one message per worker)
  std::promise<std::string> reply;
};

Processor::Processor(SettingsHolder& settings, Queue& queue, quarantine::QuarantineStore* store, Metrics& metrics, job::Pool& pool)
    : settings_(settings), queue_(queue), store_(store), metrics_(metrics), pool_(pool) {
  metrics_.gauge("mugaid_queue_incoming", "Messages received and not yet sanitized.",
                 [this] { return static_cast<std::uint64_t>(queue_.list(Stage::Incoming).size()); });
  metrics_.gauge("mugaid_queue_outgoing", "Messages sanitized and waiting for delivery.",
                 [this] { return static_cast<std::uint64_t>(queue_.list(Stage::Outgoing).size()); });
}

Processor::~Processor() { stop(); }

void Processor::start() {
  for (const auto& id : queue_.list(Stage::Incoming)) push({Kind::Sanitize, id, nullptr});
  for (const auto& id : queue_.list(Stage::Outgoing)) push({Kind::Deliver, id, nullptr});
  const int n = settings_.get()->daemon.threads();
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
  scheduler_ = std::thread([this] { schedule(); });
}

void Processor::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  schedulerCv_.notify_all();
  for (auto& t : threads_) t.join();
  if (scheduler_.joinable()) scheduler_.join();
  // Clients still waiting for a before-queue verdict retry later; the
  // message was never acknowledged.
  std::lock_guard lock(mutex_);
  for (auto& job : jobs_)
    if (job.message) job.message->reply.set_value(kShuttingDown);
  jobs_.clear();
}

void Processor::accepted(const std::string& id) {
  std::lock_guard lock(acceptedMutex_);
  acceptedAt_[id] = std::chrono::steady_clock::now();
}

void Processor::received(const std::string& id) {
  accepted(id);
  push({Kind::Sanitize, id, nullptr});
}

std::string Processor::sanitizeBeforeQueue(const std::string& id, Envelope envelope, MessageBody body) {
  auto in = std::make_shared<Inline>();
  in->envelope = std::move(envelope);
  in->body = std::move(body);
  std::future<std::string> reply = in->reply.get_future();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return kShuttingDown;
    // A client is waiting with its connection open: ahead of queued work.
    jobs_.push_front({Kind::BeforeQueue, id, std::move(in)});
  }
  cv_.notify_one();
  return reply.get();
}

void Processor::relayDone(const std::string& id, bool delivered) {
  std::lock_guard lock(acceptedMutex_);
  const auto it = acceptedAt_.find(id);
  if (it == acceptedAt_.end()) return;  // recovered after a restart, or a DSN: no 250 of this process
  if (delivered)
    metrics_.relaySeconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second).count());
  acceptedAt_.erase(it);
}

void Processor::push(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (!inFlight_.insert(job.id).second) return;  // already queued or being worked on
    // A message to deliver goes before the next one to sanitize: under a
    // backlog it would otherwise wait behind every message received after
    // it, and its spool files would stay that long.
    if (job.kind == Kind::Deliver) jobs_.push_front(std::move(job));
    else jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void Processor::work() {
  SettingsPtr mine = settings_.get();
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      while (!stopping_ && jobs_.empty()) {
        if (cv_.wait_for(lock, std::chrono::seconds(1)) == std::cv_status::timeout && jobs_.empty()) {
          // Nothing to do: the next hop need not keep our idle connections.
          lock.unlock();
          closeIdleConnections(std::chrono::seconds(mine->daemon.nextHopReuseSeconds));
          lock.lock();
        }
      }
      if (stopping_) {
        lock.unlock();
        closeIdleConnections(std::chrono::seconds(0));
        return;  // what is left stays in the spool for the next start
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      mine = settings_.get();  // SIGHUP: the next message runs under the new policy (the pool's workers too)
      switch (job.kind) {
        case Kind::Sanitize: sanitize(job.id, *mine); break;
        case Kind::Deliver: attempt(queue_.load(job.id, Stage::Outgoing), Stage::Outgoing, *mine); break;
        case Kind::BeforeQueue: job.message->reply.set_value(runBeforeQueue(job.id, *job.message, *mine)); break;
      }
    } catch (const std::exception& e) {
      if (job.kind == Kind::BeforeQueue) {
        logEvent(job.id + " error " + logValue(e.what()) + " (before-queue: the client was told to retry)");
        job.message->reply.set_value("451 4.3.0 Error: local error in processing, try again later");
        continue;
      }
      logEvent(job.id + " error " + logValue(e.what()) + " (kept in the spool, retried later)");
    }
    if (job.kind == Kind::BeforeQueue) continue;  // never in inFlight_
    std::lock_guard lock(mutex_);
    inFlight_.erase(job.id);
  }
}

// Every few seconds: deliveries whose retry time has come, and incoming
// messages a failure of ours left behind.
void Processor::schedule() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (schedulerCv_.wait_for(lock, std::chrono::seconds(5), [this] { return stopping_; })) return;
    }
    std::int64_t t = epochSeconds();
    for (const auto& id : queue_.list(Stage::Outgoing))
      if (queue_.state(id).nextAttempt <= t) push({Kind::Deliver, id, nullptr});
    for (const auto& id : queue_.list(Stage::Incoming)) push({Kind::Sanitize, id, nullptr});
  }
}

job::Result Processor::inspect(const QueuedMessage& m, const Settings& s) {
  const std::string& id = m.id;
  // The queue id names the run: it is the X-Mugai-Id and the quarantine id.
  job::Request request;
  request.kind = job::Kind::Mail;
  request.id = id;
  request.bytes = m.data;
  job::Result o;
  try {
    o = pool_.run(request);
  } catch (const job::WorkerFailed& e) {
    metrics_.count("mugaid_worker_failures_total", "code=\"" + e.code() + "\"");
    throw;
  }
  std::string actions;
  for (const job::Part& p : o.parts) {
    if (p.action == "keep") continue;
    actions += (actions.empty() ? "" : ",") + p.action + ":" + p.code;
    if (p.code == "signature.match") {
      // Name the signatures in the log line (signature_scan's reason is "matched signature A, B").
      constexpr std::string_view kPrefix = "matched signature ";
      if (p.reason.starts_with(kPrefix)) actions += "[" + logValue(p.reason.substr(kPrefix.size())) + "]";
      metrics_.count("mugaid_signature_hits_total", "action=\"" + p.action + "\"");
    }
    // A label per configured stage (and the parser's), never one a worker
    // makes up: the series are kept for the process's life.
    std::string by = "other";
    for (const auto& stage : s.config.stages)
      if (stage.name == p.decidedBy) by = p.decidedBy;
    if (p.decidedBy == "parser" || p.decidedBy == "limits" || p.decidedBy == "pipeline") by = p.decidedBy;
    metrics_.count("mugaid_actions_total", "sanitizer=\"" + by + "\",action=\"" + p.action + "\"");
  }
  metrics_.count("mugaid_messages_sanitized_total", "verdict=\"" + o.verdict + "\"");
  metrics_.sanitizeSeconds.observe((o.parseMs + o.sanitizeMs + o.rebuildMs) / 1000.0);
  if (o.changed() && store_) {
    quarantine::Item item = job::itemFor(o, "mail", "", m.envelope.mailFrom, m.envelope.recipients, true);
    // A restart sanitizing the same message again (killed before it was
    // delivered) finds its item already stored: the origin makes it a no-op.
    item.origin = "mugaid:" + id;
    store_->put(std::move(item), m.data);  // throws: the message stays where it is and is tried again
  }
  logEvent(id + " sanitized verdict=" + o.verdict + (actions.empty() ? "" : " actions=" + actions) +
           " ms=" + std::to_string(static_cast<int>(o.parseMs + o.sanitizeMs + o.rebuildMs)));
  return o;
}

void Processor::sanitize(const std::string& id, const Settings& s) {
  QueuedMessage m = queue_.load(id, Stage::Incoming);
  job::Result o;
  try {
    o = inspect(m, s);
  } catch (const job::WorkerFailed& e) {
    workerFailed(std::move(m), e, s);
    return;
  }
  {
    std::lock_guard lock(failuresMutex_);
    failures_.erase(id);
  }
  if (o.rejected()) {
    logEvent(id + " rejected from=<" + logValue(m.envelope.mailFrom) + "> to=" + joined(m.envelope.recipients) +
             " (original in quarantine)");
    std::vector<FailedRecipient> failed;
    for (const auto& r : m.envelope.recipients)
      failed.push_back({r, "5.7.1", "refused by the mugai gateway's policy (original kept, quarantine id " + id + ")"});
    bounce(m, failed, s);
    queue_.remove(id, Stage::Incoming);
    relayDone(id, false);
    return;
  }
  m.data = std::move(o.output);
  attempt(m, Stage::Incoming, s);
}

void Processor::workerFailed(QueuedMessage m, const job::WorkerFailed& e, const Settings& s) {
  const std::string& id = m.id;
  int n;
  {
    std::lock_guard lock(failuresMutex_);
    n = ++failures_[id];
  }
  const int attempts = s.config.worker.attempts;
  if (n < attempts) {
    logEvent(id + " worker_failed code=" + e.code() + " detail=" + logValue(e.what()) + " attempt=" + std::to_string(n) +
             "/" + std::to_string(attempts) + " (kept in the spool, tried again in a fresh worker)");
    return;
  }
  // Fail closed for good: nothing of the message is delivered; its
  // original is kept whole and the recipients learn where it is.
  if (store_) {
    quarantine::Item item;
    item.id = id;
    item.source = "mail";
    item.verdict = "changed";
    item.sender = m.envelope.mailFrom;
    item.recipients = m.envelope.recipients;
    item.envelope = quarantine::Envelope{m.envelope.mailFrom, m.envelope.recipients};
    item.reasons = {"job.worker_crashed"};
    item.actionsJson = nlohmann::json::array({{{"path", "0"}, {"action", "remove"}, {"code", "job.worker_crashed"}}}).dump();
    item.reportJson = nlohmann::json{{"id", id}, {"verdict", "changed"}, {"error", {{"code", e.code()}, {"detail", e.what()}}}}
                          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    item.origin = "mugaid:" + id;
    store_->put(std::move(item), m.data);  // throws: stays in the spool, tried again
  }
  logEvent(id + " worker_failed code=" + e.code() + " detail=" + logValue(e.what()) + " attempt=" + std::to_string(n) + "/" +
           std::to_string(attempts) + ": not delivered, original " + (store_ ? "in quarantine" : "dropped (quarantine off)") +
           " (job.worker_crashed), notice sent instead");
  metrics_.count("mugaid_messages_sanitized_total", "verdict=\"worker_failed\"");
  {
    std::lock_guard lock(failuresMutex_);
    failures_.erase(id);
  }
  m.data = crashNotice(id, s.daemon.hostname, s.config, store_ != nullptr, epochSeconds());
  attempt(m, Stage::Incoming, s);
}

std::string Processor::runBeforeQueue(const std::string& id, Inline& in, const Settings& s) {
  QueuedMessage m{id, std::move(in.envelope), in.body.readAll(), epochSeconds()};
  in.body.clear();
  job::Result o;
  try {
    o = inspect(m, s);
  } catch (const job::WorkerFailed& e) {
    logEvent(id + " worker_failed code=" + e.code() + " detail=" + logValue(e.what()) +
             " (before-queue: the client was told to retry)");
    return "451 4.3.0 Error: the message could not be inspected, try again later";
  }
  if (o.rejected()) {
    logEvent(id + " rejected in DATA from=<" + logValue(m.envelope.mailFrom) + "> to=" + joined(m.envelope.recipients) +
             " (original in quarantine)");
    return "550 5.7.1 Message refused by the mugai gateway's policy (original kept, quarantine id " + id + ")";
  }
  queue_.submitOutgoing(m.envelope, o.output, id);  // durable before the 250
  accepted(id);
  push({Kind::Deliver, id, nullptr});
  return "250 2.0.0 Ok: sanitized and queued as " + id;
}

void Processor::attempt(const QueuedMessage& m, Stage stage, const Settings& s) {
  const DaemonConfig& daemon = s.daemon;
  const std::string& id = m.id;
  // Normally empty for a message just sanitized; a crash between writing the
  // state and the outgoing copy leaves it behind (see below).
  DeliveryState st = queue_.state(id);
  if (stage == Stage::Outgoing && st.nextAttempt > epochSeconds()) return;
  std::vector<std::string> todo;
  for (const auto& r : m.envelope.recipients)
    if (std::find(st.delivered.begin(), st.delivered.end(), r) == st.delivered.end()) todo.push_back(r);
  // Recipients grouped by next hop ([daemon.transport]); one attempt per hop.
  std::map<std::string, std::vector<std::string>> byHop;
  for (const auto& r : todo) byHop[daemon.routeFor(r, m.envelope.dsn)].push_back(r);
  DeliveryResult result;
  std::map<std::string, std::string> hopOf;
  for (const auto& [hop, rcpts] : byHop) {
    auto t0 = std::chrono::steady_clock::now();
    DeliveryResult part = deliver(m, rcpts, hop, daemon);
    metrics_.deliverySeconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    for (auto& r : part.recipients) {
      hopOf[r.address] = hop;
      result.recipients.push_back(std::move(r));
    }
    result.detail = part.detail;
  }
  for (const auto& r : result.recipients)
    metrics_.count("mugaid_deliveries_total", r.outcome == RecipientOutcome::Delivered ? "result=\"delivered\""
                                              : r.outcome == RecipientOutcome::Failed  ? "result=\"bounced\""
                                                                                       : "result=\"deferred\"");
  std::vector<std::string> deferred;
  std::vector<FailedRecipient> failed;
  for (const auto& [rcpt, outcome, reply] : result.recipients) {
    if (outcome == RecipientOutcome::Delivered) {
      st.delivered.push_back(rcpt);
      logEvent(id + " delivered to=<" + logValue(rcpt) + "> via " + hopOf[rcpt] + " reply=" + logValue(reply));
    } else if (outcome == RecipientOutcome::Failed) {
      st.delivered.push_back(rcpt);  // never retried: the sender gets a DSN
      failed.push_back({rcpt, statusOfReply(reply, "5.0.0"), reply});
      logEvent(id + " bounced to=<" + logValue(rcpt) + "> reply=" + logValue(reply));
    } else {
      deferred.push_back(rcpt);
    }
  }
  if (!failed.empty()) bounce(m, failed, s);  // before the state says done: a crash re-sends, never loses, the DSN
  if (deferred.empty()) {
    queue_.remove(id, stage);
    if (stage == Stage::Incoming) queue_.remove(id, Stage::Outgoing);  // a state file left by a crash
    relayDone(id);
    return;
  }
  if (epochSeconds() - m.receivedAt > static_cast<std::int64_t>(daemon.maxQueueDays) * 86400) {
    logEvent(id + " expired to=" + joined(deferred) + " after " + std::to_string(daemon.maxQueueDays) +
             " days reply=" + logValue(result.detail));
    std::vector<FailedRecipient> expired;
    for (const auto& r : deferred) expired.push_back({r, "4.4.7", "delivery time expired; last reply: " + result.detail});
    bounce(m, expired, s);
    queue_.remove(id, stage);
    relayDone(id, false);
    return;
  }
  st.attempts++;
  std::int64_t wait = std::min<std::int64_t>(static_cast<std::int64_t>(daemon.retrySeconds) << std::min(st.attempts - 1, 12), 3600);
  st.nextAttempt = epochSeconds() + wait;
  st.lastError = result.detail;
  // The state first: recipients already delivered are never sent twice,
  // even if we crash before the sanitized copy is in outgoing/.
  queue_.saveState(id, st);
  if (stage == Stage::Incoming) queue_.promote(m);
  logEvent(id + " deferred to=" + joined(deferred) + " retry_in=" + std::to_string(wait) + "s reply=" + logValue(result.detail));
}

void Processor::bounce(const QueuedMessage& m, const std::vector<FailedRecipient>& failedIn, const Settings& s) {
  if (m.envelope.mailFrom.empty()) {
    logEvent(m.id + " no DSN: the sender is null (RFC 5321 4.5.5)");
    return;
  }
  // With recipient verification on, unknown users were refused in the
  // dialogue, and no DSN goes to an untrusted client's sender at all: a
  // later failure (expiry, policy, a mailbox the next hop refuses after
  // all) would reach a sender nobody checked, usually a forged one
  // (backscatter). Each withheld DSN is logged with its reason; a
  // rejected original stays in quarantine.
  std::vector<FailedRecipient> failed;
  for (const auto& f : failedIn) {
    if (s.daemon.probeRecipients() && !m.envelope.trustedClient) {
      logEvent(m.id + " no DSN for to=<" + logValue(f.address) + "> status=" + f.status + " reason=" +
               logValue(f.diagnostic) + ": untrusted client and recipient_verification = probe (no backscatter); sender=<" +
               logValue(m.envelope.mailFrom) + ">");
      continue;
    }
    failed.push_back(f);
  }
  if (failed.empty()) return;
  std::string dsnId = newId();
  Envelope e;
  e.id = dsnId;
  e.helo = s.daemon.hostname;
  e.mailFrom = "";  // DSNs go out from the null sender
  e.recipients = {m.envelope.mailFrom};
  e.peer = "mugaid";
  e.dsn = true;            // routed through dsn_delivery when set
  e.trustedClient = true;  // our own message
  // Every DSN goes through the pipeline like any mail before it leaves: it
  // quotes header text a sender wrote, and where it goes (a relay domain,
  // a sub-domain, another LGWAN organisation behind the same next hop) is
  // the sender's choice, not ours.
  std::string id = queue_.receive(e, buildDsn(m, failed, s.daemon.hostname, dsnId, epochSeconds()));
  metrics_.dsnSent++;
  logEvent(id + " dsn for=" + m.id + " to=<" + logValue(m.envelope.mailFrom) + ">");
  push({Kind::Sanitize, id, nullptr});
}

}  // namespace mugai::daemon
