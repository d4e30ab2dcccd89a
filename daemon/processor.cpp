// See processor.h.
#include "daemon/processor.h"

#include <chrono>
#include <future>
#include <map>

#include "core/clock.h"
#include "core/log_escape.h"
#include "core/mail_job.h"
#include "core/pipeline.h"
#include "core/quarantine/item.h"
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

Processor::Processor(SettingsHolder& settings, Queue& queue, quarantine::Store* store, Metrics& metrics,
                     std::function<Pipeline(const Config&)> makePipeline)
    : settings_(settings), queue_(queue), store_(store), metrics_(metrics), makePipeline_(std::move(makePipeline)) {
  metrics_.gauge("mugaid_queue_incoming", "Messages received and not yet sanitized.",
                 [this] { return static_cast<std::uint64_t>(queue_.list(Stage::Incoming).size()); });
  metrics_.gauge("mugaid_queue_outgoing", "Messages sanitized and waiting for delivery.",
                 [this] { return static_cast<std::uint64_t>(queue_.list(Stage::Outgoing).size()); });
}

Processor::~Processor() { stop(); }

void Processor::start() {
  for (const auto& id : queue_.list(Stage::Incoming)) push({Kind::Sanitize, id, nullptr});
  for (const auto& id : queue_.list(Stage::Outgoing)) push({Kind::Deliver, id, nullptr});
  int workers = settings_.get()->daemon.workers;
  // Two per core by default: a worker spends about half of each message
  // waiting (quarantine fsync, the next hop's replies), and another one
  // sanitizes meanwhile.
  int n = workers > 0 ? workers : 2 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
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
  Pipeline pipeline = makePipeline_(mine->config);  // one per thread: sanitizers may keep scratch
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
      if (SettingsPtr latest = settings_.get(); latest->generation != mine->generation) {
        mine = latest;  // SIGHUP: the next message runs under the new policy
        pipeline = makePipeline_(mine->config);
      }
      switch (job.kind) {
        case Kind::Sanitize: sanitize(job.id, pipeline, *mine); break;
        case Kind::Deliver: attempt(queue_.load(job.id, Stage::Outgoing), Stage::Outgoing, *mine); break;
        case Kind::BeforeQueue: job.message->reply.set_value(runBeforeQueue(job.id, *job.message, pipeline, *mine)); break;
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

MailOutcome Processor::inspect(const QueuedMessage& m, const Pipeline& pipeline, const Settings& s) {
  const std::string& id = m.id;
  // The queue id names the run: it is the X-Mugai-Id and the quarantine id.
  MailOutcome o = processMail(m.data, s.config, pipeline, id);
  std::string actions;
  o.input.root->forEach([&](const Node& n) {
    if (n.action == Action::Keep) return;
    actions += (actions.empty() ? "" : ",") + std::string(actionName(n.action)) + ":" + n.reasonCode;
    if (n.reasonCode == "signature.match") {
      // Name the signatures in the log line (signature_scan's reason is "matched signature A, B").
      constexpr std::string_view kPrefix = "matched signature ";
      if (n.reason.starts_with(kPrefix)) actions += "[" + n.reason.substr(kPrefix.size()) + "]";
      metrics_.count("mugaid_signature_hits_total", "action=\"" + std::string(actionName(n.action)) + "\"");
    }
    metrics_.count("mugaid_actions_total",
                   "sanitizer=\"" + n.decidedBy + "\",action=\"" + std::string(actionName(n.action)) + "\"");
  });
  metrics_.count("mugaid_messages_sanitized_total", "verdict=\"" + std::string(verdictName(o.verdict)) + "\"");
  metrics_.sanitizeSeconds.observe((o.timings.parseMs + o.timings.sanitizeMs + o.timings.rebuildMs) / 1000.0);
  if (o.verdict != Verdict::Unchanged && store_) {
    quarantine::Item item = quarantine::itemFor(
        {id, "mail", &o.input, o.verdict, &o.findings, &o.report, "", m.envelope.mailFrom, m.envelope.recipients, true});
    // A restart sanitizing the same message again (killed before it was
    // delivered) finds its item already stored: the origin makes it a no-op.
    item.origin = "mugaid:" + id;
    store_->put(std::move(item), m.data);  // throws: the message stays where it is and is tried again
  }
  logEvent(id + " sanitized verdict=" + std::string(verdictName(o.verdict)) + (actions.empty() ? "" : " actions=" + actions) +
           " ms=" + std::to_string(static_cast<int>(o.timings.parseMs + o.timings.sanitizeMs + o.timings.rebuildMs)));
  return o;
}

void Processor::sanitize(const std::string& id, const Pipeline& pipeline, const Settings& s) {
  QueuedMessage m = queue_.load(id, Stage::Incoming);
  MailOutcome o = inspect(m, pipeline, s);
  if (o.verdict == Verdict::Rejected) {
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

std::string Processor::runBeforeQueue(const std::string& id, Inline& in, const Pipeline& pipeline, const Settings& s) {
  QueuedMessage m{id, std::move(in.envelope), in.body.readAll(), epochSeconds()};
  in.body.clear();
  MailOutcome o = inspect(m, pipeline, s);
  if (o.verdict == Verdict::Rejected) {
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
