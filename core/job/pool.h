// The parent's side of the job workers: a pool of mugai-job-worker
// processes, one job at a time each.
//
//   mugaid / mugai (spool, quarantine, output tree, network, TLS key;
//   │               links no parser: no GMime, libxml2, libmagic, libzip,
//   │               poppler, qpdf)
//   │  pipes: setup, then job → result frames (core/job/codec.h)
//   ├── mugai-job-worker  (confined before its first job: worker/sandbox.h)
//   │     └── broker      (forked before confinement; starts the helpers
//   │           │          the sandbox forbids: worker/broker.h)
//   │           ├── mugai-pdf-worker   (its own, tighter sandbox)
//   │           ├── soffice            (office_cdr legacy = "convert")
//   │           └── python3 msoffcrypto (office_cdr encrypted = "password")
//   └── mugai-job-worker ...
//
// A worker is started when a job finds no idle one, gets the config text
// (setup frame), builds its pipelines, confines itself and says ready;
// then it takes jobs until it has done max_jobs (Postfix's max_use), when
// it is replaced. A worker that crashes, is killed by its seccomp filter,
// runs past the deadline or sends anything but a well-formed result is
// killed, and run() throws WorkerFailed: the caller fails closed (mugaid
// answers 451 or retries in a fresh worker, mugai reports an error). A
// new config (SIGHUP) retires idle workers of the old one.
//
// Thread-safe: each caller thread runs its jobs on a worker of its own,
// which it started (a worker dies with the thread that started it:
// PR_SET_PDEATHSIG is per thread, so workers are never handed between
// threads).
// The constructor ignores SIGPIPE for the process (a dead worker's pipe
// must fail a write, not kill the daemon).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/config.h"
#include "core/job/codec.h"
#include "core/job/job.h"

namespace mugai::job {

/// A job that did not come back: the input gets no verdict (fail closed).
class WorkerFailed : public std::runtime_error {
 public:
  WorkerFailed(std::string code, const std::string& detail) : std::runtime_error(detail), code_(std::move(code)) {}
  /// "job.worker_crashed", "job.worker_timeout", "job.worker_protocol" or
  /// "job.worker_unavailable" (it could not be started at all).
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

struct PoolOptions {
  std::string workerPath;  ///< "" = workerPath() below
  int maxJobs = 100;
  std::chrono::seconds timeout{300};     ///< one job, hard (the pipeline's own max_seconds is soft)
  std::chrono::seconds startTimeout{120}; ///< setup to ready (signature sets compile here)
  std::uint64_t maxResultBytes = 1ull << 30;
};

/// The worker program (core/helper_path.h says where it is looked for).
std::string workerPath();

/// What a worker needs from a loaded config: its text and the overrides
/// the CLI applied after loading (--quarantine, --no-quarantine).
Setup setupFor(const Config& config);
PoolOptions optionsFor(const Config& config);

class Pool {
 public:
  Pool(Setup setup, PoolOptions options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  /// Starts a worker and waits until it is ready, keeping it for the first
  /// job. Throws ConfigError with the worker's message when it refuses the
  /// config (a stage option), WorkerFailed when it cannot start.
  void check();
  /// Runs one job on a worker of its own. Throws WorkerFailed.
  Result run(const Request& request);
  /// Jobs from now on run under `setup`; idle workers of the old one go.
  void reconfigure(Setup setup);
  /// The pids of the idle workers (tests look at their /proc status).
  std::vector<pid_t> idlePids() const;

 private:
  struct Worker;
  std::unique_ptr<Worker> start(const Setup& setup, std::uint64_t generation);
  Result exchange(Worker& w, const Request& request);

  PoolOptions options_;
  mutable std::mutex mutex_;
  Setup setup_;
  std::uint64_t generation_ = 1;
  std::unordered_map<std::thread::id, std::unique_ptr<Worker>> idle_;  ///< by the thread that started it
};

}  // namespace mugai::job
