// See parallel.h.
#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>

namespace mugai {
namespace {

// One call of parallelFor. The caller works on it too, and waits until no
// helper is inside it before returning (its frame holds the job).
struct Job {
  std::size_t n = 0;
  const std::function<void(std::size_t)>* work = nullptr;
  std::atomic<std::size_t> next = 0;
  std::size_t seats = 0;   // helpers that may still join (under Pool::mutex_)
  std::size_t active = 0;  // helpers inside (under Pool::mutex_)
  std::condition_variable left;
  std::exception_ptr error;  // the first one (under Pool::mutex_)
};

// Helper threads that live as long as the process, so that what they keep
// per thread (a libmagic cookie is a 8 MB database load, measured 1.7-3.7
// ms) is made once, not once per call. Never destroyed: a helper may be
// waiting for work when the process exits, and that is fine.
class Pool {
 public:
  Pool() {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned t = 1; t < cores; ++t) {
      try {
        std::thread(&Pool::serve, this).detach();
        ++helpers_;
      } catch (const std::system_error&) {
        break;  // no more threads to be had: fewer helpers, same result
      }
    }
  }

  /// Offers `job` to up to `helpers` helpers.
  void start(Job& job, std::size_t helpers) {
    std::lock_guard lock(mutex_);
    job.seats = std::min<std::size_t>(helpers_, helpers);
    if (job.seats > 0) {
      jobs_.push_back(&job);
      wake_.notify_all();
    }
  }

  /// Works on what is left of `job` on this thread, then waits for the
  /// helpers inside it; rethrows the first exception.
  void finish(Job& job) {
    work(job);
    std::unique_lock lock(mutex_);
    // Helpers that have not joined by now will not: the items are taken.
    if (job.seats > 0) jobs_.erase(std::find(jobs_.begin(), jobs_.end(), &job));
    job.seats = 0;
    job.left.wait(lock, [&] { return job.active == 0; });
    if (job.error) std::rethrow_exception(job.error);
  }

 private:
  void work(Job& job) {
    try {
      for (std::size_t i; (i = job.next++) < job.n;) (*job.work)(i);
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!job.error) job.error = std::current_exception();
      job.next = job.n;
    }
  }

  void serve() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return !jobs_.empty(); });
      Job& job = *jobs_.front();
      if (--job.seats == 0) jobs_.pop_front();
      ++job.active;
      lock.unlock();
      work(job);
      lock.lock();
      if (--job.active == 0) job.left.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job*> jobs_;
  std::size_t helpers_ = 0;
};

Pool& pool() {
  static Pool* const p = new Pool;  // see Pool: lives as long as the process
  return *p;
}

}  // namespace

void parallelFor(std::size_t n, const std::function<void(std::size_t)>& work) {
  Job job;
  job.n = n;
  job.work = &work;
  pool().start(job, n > 0 ? n - 1 : 0);
  pool().finish(job);
}

struct BackgroundFor::State {
  std::function<void(std::size_t)> work;
  Job job;
  bool finished = false;
};

BackgroundFor::BackgroundFor(std::size_t n, std::function<void(std::size_t)> work) : state_(std::make_unique<State>()) {
  state_->work = std::move(work);
  state_->job.n = n;
  state_->job.work = &state_->work;
  pool().start(state_->job, n);
}

void BackgroundFor::wait() {
  if (!state_ || state_->finished) return;
  state_->finished = true;
  pool().finish(state_->job);
}

BackgroundFor::~BackgroundFor() {
  if (!state_) return;
  state_->job.next = state_->job.n;  // not waited for: nothing more is started
  try {
    wait();
  } catch (...) {
    // Nobody asked for the result: only the helpers' leaving mattered.
  }
}

}  // namespace mugai
