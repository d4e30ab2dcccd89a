// One loop over independent items on every core, for work that is pure per
// item (libmagic typing, JPEG encoding). Threads are made per call: the
// callers run it on batches big enough for that to be noise.
#pragma once

#include <cstddef>
#include <functional>

namespace mugai {

/// Calls `work(i)` for every i in [0, n), on up to one thread per core (the
/// caller's thread included). A thread that cannot be created (RLIMIT_NPROC,
/// TasksMax) means fewer helpers, not a failure. The first exception a call
/// throws stops the remaining items and is rethrown here.
void parallelFor(std::size_t n, const std::function<void(std::size_t)>& work);

}  // namespace mugai
