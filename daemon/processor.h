// mugaid's back half: a pool of worker threads that sanitize what the
// SMTP side spooled and deliver what was sanitized, so the network loop
// never waits for the pipeline.
//
//   after-queue:  incoming/ID --sanitize--> quarantine (if changed) --deliver--> next hop
//                                                  \--(next hop deferred)--> outgoing/ID --retry-->
//   before-queue: DATA --sanitize--> quarantine (if changed) --> outgoing/ID, 250 --deliver-->
//
// A sanitized message is delivered at once from memory; only when the next
// hop defers it is the sanitized form written to outgoing/ (with its
// delivery state) and the incoming copy dropped. Until then the incoming
// copy is the durable record, so a kill -9 in the middle sanitizes and
// delivers it again (a duplicate only for a delivery in flight). A failure
// of our own (quarantine or disk) leaves the message where it is and it is
// tried again; a temporary failure of the next hop is retried with backoff
// (retry_seconds, doubling, at most an hour) until max_queue_days.
//
// The pipeline itself runs in a job worker (core/job/pool.h), never in
// this process. A worker that crashes, is killed by its filter or runs
// past [worker] timeout_seconds fails the message closed: before-queue
// answers 451; after-queue leaves it in incoming/ and tries it again in a
// fresh worker, up to [worker] attempts times, then keeps the original in
// quarantine whole (job.worker_crashed) and delivers a notice in its
// place (crash_notice.h).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/config.h"
#include "core/job/pool.h"
#include "core/quarantine/store.h"
#include "daemon/daemon_config.h"
#include "daemon/dsn.h"
#include "daemon/message_body.h"
#include "daemon/metrics.h"
#include "daemon/settings.h"
#include "daemon/queue.h"

namespace mugai::daemon {

class Processor {
 public:
  /// Jobs run on `pool`'s workers (one per thread at a time).
  Processor(SettingsHolder& settings, Queue& queue, quarantine::QuarantineStore* store, Metrics& metrics, job::Pool& pool);
  ~Processor();

  /// Starts the workers and queues what the spool holds (after a restart).
  void start();
  /// Finishes the jobs in hand and stops.
  void stop();
  /// A message was just spooled into incoming/.
  void received(const std::string& id);
  /// Before-queue mode: sanitizes a message still in its SMTP session on
  /// a worker (blocking the caller, never the network loop) and returns
  /// the reply: 250 once the sanitized form is in outgoing/, 550 when the
  /// policy rejects it (the original is in quarantine), 451 when our side
  /// failed (the client retries).
  std::string sanitizeBeforeQueue(const std::string& id, Envelope envelope, MessageBody body);

 private:
  /// The client heard 250 for `id` now (the start of its relay latency).
  void accepted(const std::string& id);
  /// A message left the queue: observe its relay latency (if delivered)
  /// and forget its accept time.
  void relayDone(const std::string& id, bool delivered = true);
  enum class Kind { Sanitize, Deliver, BeforeQueue };
  struct Inline;  // a before-queue message and the promise of its reply
  struct Job {
    Kind kind;
    std::string id;
    std::shared_ptr<Inline> message;  // BeforeQueue only
  };
  void work();
  void schedule();
  void push(Job job);
  /// Runs the job for `m` in a worker: logs and counts the verdict, and
  /// puts the original into quarantine when anything changed (throws if it
  /// cannot; job::WorkerFailed when the worker did not answer).
  job::Result inspect(const QueuedMessage& m, const Settings& s);
  void sanitize(const std::string& id, const Settings& s);
  /// After-queue: the worker failed on `m` again; retried, or at the last
  /// attempt kept whole in quarantine with a notice delivered instead.
  void workerFailed(QueuedMessage m, const job::WorkerFailed& e, const Settings& s);
  std::string runBeforeQueue(const std::string& id, Inline& in, const Settings& s);
  /// One delivery attempt of `m` (sanitized) from `stage`: Incoming when it
  /// was just sanitized (deferred recipients move it to outgoing/), Outgoing
  /// for a retry.
  void attempt(const QueuedMessage& m, Stage stage, const Settings& s);
  /// Queues a DSN to the sender of `m` (never when the sender is null).
  void bounce(const QueuedMessage& m, const std::vector<FailedRecipient>& failed, const Settings& s);

  SettingsHolder& settings_;
  Queue& queue_;
  quarantine::QuarantineStore* store_;
  Metrics& metrics_;
  job::Pool& pool_;
  std::mutex failuresMutex_;
  std::unordered_map<std::string, int> failures_;  ///< worker failures by queue id (after-queue)
  std::mutex mutex_;
  std::condition_variable cv_;         // workers wait here for jobs
  std::condition_variable schedulerCv_;  // the scheduler waits here (a job's notify must never wake it instead)
  std::deque<Job> jobs_;
  std::set<std::string> inFlight_;
  bool stopping_ = false;
  std::mutex acceptedMutex_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> acceptedAt_;  ///< by queue id, since the 250
  std::vector<std::thread> threads_;
  std::thread scheduler_;
};

}  // namespace mugai::daemon
