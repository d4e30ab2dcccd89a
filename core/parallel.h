// One loop over independent items on every core, for work that is pure per
// item (libmagic typing, JPEG encoding). The helpers are one pool of
// threads per process (one per core besides the caller's), made on first
// use and kept, so what they keep per thread (libmagic cookies) is made
// once. Calls from several threads at once share the helpers; each caller
// also works on its own items, so a call never waits for another's.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace mugai {

/// Calls `work(i)` for every i in [0, n), on the caller's thread and the
/// pool's helpers that are free. A helper that cannot be created
/// (RLIMIT_NPROC, TasksMax) means fewer helpers, not a failure. The first
/// exception a call throws stops the remaining items and is rethrown here,
/// after every helper has left the call.
void parallelFor(std::size_t n, const std::function<void(std::size_t)>& work);

/// parallelFor started in the background: the pool's free helpers begin on
/// the items at once, and the caller goes on with other work. wait() works
/// on whatever is left on the calling thread and returns when every item
/// is done, rethrowing the first exception. Destroyed without wait(), it
/// starts no further item and returns once the helpers have left (what the
/// items touch must outlive it: declare it after them).
class BackgroundFor {
 public:
  BackgroundFor(std::size_t n, std::function<void(std::size_t)> work);
  BackgroundFor(const BackgroundFor&) = delete;
  BackgroundFor& operator=(const BackgroundFor&) = delete;
  ~BackgroundFor();
  void wait();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mugai
