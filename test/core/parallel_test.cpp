// core/parallel: every item exactly once, on more than one core, from many
// callers at once; the first exception comes back to the caller and no
// item runs after a call returns; BackgroundFor works while its caller
// does something else, and stops starting items when dropped unwaited.
#include "core/parallel.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include <catch2/catch_test_macros.hpp>

using namespace mugai;
using namespace std::chrono_literals;

TEST_CASE("parallelFor: every item exactly once, on more than one thread", "[parallel]") {
  std::vector<std::atomic<int>> seen(20000);
  std::mutex m;
  std::set<std::thread::id> threads;
  parallelFor(seen.size(), [&](std::size_t i) {
    seen[i]++;
    if (i % 100 == 0) {
      std::this_thread::sleep_for(1ms);  // long enough for a helper to join
      std::lock_guard lock(m);
      threads.insert(std::this_thread::get_id());
    }
  });
  for (const auto& s : seen) REQUIRE(s == 1);
  if (std::thread::hardware_concurrency() > 1) CHECK(threads.size() > 1);
  parallelFor(0, [](std::size_t) { FAIL("no item"); });
}

TEST_CASE("parallelFor: many callers at once share the helpers and all finish", "[parallel]") {
  std::vector<std::thread> callers;
  std::vector<std::uint64_t> sums(8);
  for (std::size_t c = 0; c < sums.size(); ++c)
    callers.emplace_back([&, c] {
      for (int round = 0; round < 50; ++round) {
        std::atomic<std::uint64_t> sum = 0;
        parallelFor(500, [&](std::size_t i) { sum += i; });
        sums[c] += sum;
      }
    });
  for (auto& t : callers) t.join();
  for (auto s : sums) CHECK(s == 50ull * (499 * 500 / 2));
}

TEST_CASE("parallelFor: the first exception is rethrown, and nothing runs after the call", "[parallel]") {
  std::atomic<int> ran = 0;
  CHECK_THROWS_AS(parallelFor(10000,
                              [&](std::size_t i) {
                                ++ran;
                                std::this_thread::sleep_for(10us);
                                if (i == 50) throw std::runtime_error("item 50");
                              }),
                  std::runtime_error);
  const int after = ran;
  CHECK(after < 10000);  // the rest were not started
  std::this_thread::sleep_for(20ms);
  CHECK(ran == after);
}

TEST_CASE("BackgroundFor: helpers work while the caller goes on; wait() finishes the rest", "[parallel]") {
  std::vector<std::atomic<int>> seen(2000);
  BackgroundFor background(seen.size(), [&](std::size_t i) { seen[i]++; });
  std::this_thread::sleep_for(5ms);  // the caller's own work
  background.wait();
  for (const auto& s : seen) REQUIRE(s == 1);
  background.wait();  // a second wait is harmless

  SECTION("an exception comes back from wait()") {
    BackgroundFor failing(100, [](std::size_t i) {
      if (i == 7) throw std::runtime_error("item 7");
    });
    CHECK_THROWS_AS(failing.wait(), std::runtime_error);
  }
  SECTION("dropped without wait(): no item starts afterwards") {
    std::atomic<int> ran = 0;
    {
      BackgroundFor dropped(100000, [&](std::size_t) {
        ++ran;
        std::this_thread::sleep_for(10us);
      });
      std::this_thread::sleep_for(2ms);
    }
    const int after = ran;
    CHECK(after < 100000);
    std::this_thread::sleep_for(20ms);
    CHECK(ran == after);
  }
}
