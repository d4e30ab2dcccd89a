// Quarantine store puts/s: N unique originals of SIZE bytes put by THREADS
// threads at once (as mugaid's sanitizing threads do), into the store
// named by SPEC ("sqlite:DIR" or "postgresql:DSN"). Each put() is durable
// when it returns (group commit shares the flushes). Prints one line.
// Usage: mugai_store_bench SPEC [N] [THREADS] [SIZE]   (run_pg_bench.sh runs it)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/config.h"
#include "core/ids.h"
#include "core/quarantine/quarantine_store.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: mugai_store_bench sqlite:DIR|postgresql:DSN [N] [THREADS] [SIZE]\n");
    return 3;
  }
  const std::string spec = argv[1];
  const int n = argc > 2 ? std::stoi(argv[2]) : 5000;
  const int threads = argc > 3 ? std::stoi(argv[3]) : 4;
  const std::size_t size = argc > 4 ? std::stoul(argv[4]) : 10000;
  const std::optional<mugai::QuarantineConfig> c = mugai::quarantine::storeFromSpec(spec);
  if (!c) {
    std::fprintf(stderr, "mugai_store_bench: \"%s\" is not sqlite:DIR or postgresql:DSN\n", spec.c_str());
    return 3;
  }
  auto store = mugai::quarantine::openStore(*c, threads);
  std::atomic<int> next = 0;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      std::mt19937_64 rng(t + 1);
      std::string original(size, ' ');
      for (int i; (i = next++) < n;) {
        // Unique, and half random (as an attachment compresses): no object is shared.
        for (std::size_t k = 0; k < size / 2; k += 8) {
          const auto r = rng();
          original.replace(k, 8, reinterpret_cast<const char*>(&r), 8);
        }
        mugai::quarantine::Item it;
        it.id = mugai::newId();
        it.source = "mail";
        it.sender = "bench@example.net";
        it.recipients = {"soumu@example.lg.jp"};
        it.subject = "bench " + std::to_string(i);
        it.verdict = "changed";
        it.reasons = {"attachment.executable"};
        store->put(it, original);
      }
    });
  for (auto& t : pool) t.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%s: %d puts of %zu bytes from %d threads in %.2f s: %.0f puts/s\n", c->backend.c_str(), n, size, threads, s,
              n / s);
  return 0;
}
