// See parallel.h.
#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace mugai {

void parallelFor(std::size_t n, const std::function<void(std::size_t)>& work) {
  const std::size_t threads = std::min<std::size_t>(n, std::max(1u, std::thread::hardware_concurrency()));
  std::atomic<std::size_t> next = 0;
  std::mutex failed;
  std::exception_ptr error;
  auto run = [&] {
    try {
      for (std::size_t i; (i = next++) < n;) work(i);
    } catch (...) {
      std::lock_guard lock(failed);
      if (!error) error = std::current_exception();
      next = n;
    }
  };
  std::vector<std::thread> helpers;
  for (std::size_t t = 1; t < threads; ++t) {
    try {
      helpers.emplace_back(run);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: fewer helpers, same result
    }
  }
  run();
  for (auto& t : helpers) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace mugai
