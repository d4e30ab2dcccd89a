// mugaid's back half: a pool of worker threads that sanitize what the
// SMTP side spooled and deliver what was sanitized, so the network loop
// never waits for the pipeline.
//
//   incoming/ID --sanitize--> quarantine (if changed) --> outgoing/ID --deliver--> next hop
//
// A message moves on only when its next form is durable (queue.h). A
// failure of our own (quarantine or disk) leaves it where it is and it is
// tried again; a temporary failure of the next hop is retried with
// backoff (retry_seconds, doubling, at most an hour) until max_queue_days.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/config.h"
#include "core/quarantine/store.h"
#include "daemon/daemon_config.h"
#include "daemon/dsn.h"
#include "daemon/metrics.h"
#include "daemon/settings.h"
#include "daemon/queue.h"

namespace mugai {
class Pipeline;
}

namespace mugai::daemon {

class Processor {
 public:
  /// `makePipeline` builds one pipeline per worker thread (again after a reload).
  Processor(SettingsHolder& settings, Queue& queue, quarantine::Store* store, Metrics& metrics,
            std::function<Pipeline(const Config&)> makePipeline);
  ~Processor();

  /// Starts the workers and queues what the spool holds (after a restart).
  void start();
  /// Finishes the jobs in hand and stops.
  void stop();
  /// A message was just spooled into incoming/.
  void received(const std::string& id);

 private:
  /// A message left the queue: observe its relay latency (if delivered)
  /// and forget its accept time.
  void relayDone(const std::string& id, bool delivered = true);
  enum class Job { Sanitize, Deliver };
  void work();
  void schedule();
  void push(Job job, const std::string& id);
  /// @return true when the message moved to outgoing/ (deliver it next).
  bool sanitize(const std::string& id, const Pipeline& pipeline, const Settings& s);
  void deliverOne(const std::string& id, const Settings& s);
  /// Queues a DSN to the sender of `m` (never when the sender is null).
  void bounce(const QueuedMessage& m, const std::vector<FailedRecipient>& failed, const Settings& s);

  SettingsHolder& settings_;
  Queue& queue_;
  quarantine::Store* store_;
  Metrics& metrics_;
  std::function<Pipeline(const Config&)> makePipeline_;
  std::mutex mutex_;
  std::condition_variable cv_;         // workers wait here for jobs
  std::condition_variable schedulerCv_;  // the scheduler waits here (a job's notify must never wake it instead)
  std::deque<std::pair<Job, std::string>> jobs_;
  std::set<std::string> inFlight_;
  bool stopping_ = false;
  std::mutex acceptedMutex_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> acceptedAt_;  ///< by queue id, since the 250
  std::vector<std::thread> threads_;
  std::thread scheduler_;
};

}  // namespace mugai::daemon
