// Prometheus metrics for mugaid (text exposition format 0.0.4), served on
// [daemon] metrics_listen at /metrics. Counters are atomics; labelled
// counters and histograms take a mutex. Thread-safe, cheap enough for the
// hot path (one increment per event).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace mugai::daemon {

/// A latency histogram with fixed buckets (seconds).
class Histogram {
 public:
  void observe(double seconds);
  void render(std::string& out, const std::string& name, const std::string& help) const;

 private:
  static constexpr std::array<double, 16> kBuckets{0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025,
                                                    0.05,  0.1,    0.25,  0.5,    1,    2.5,   10,   60};
  mutable std::mutex mutex_;
  std::array<std::uint64_t, kBuckets.size()> counts_{};
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

class Metrics {
 public:
  std::atomic<std::uint64_t> sessionsTotal{0}, sessionsActive{0}, sessionsRefused{0};
  std::atomic<std::uint64_t> messagesReceived{0}, bytesReceived{0}, spoolErrors{0};
  std::atomic<std::uint64_t> dsnSent{0};
  Histogram sanitizeSeconds;  ///< parse + sanitize + rebuild of one message
  Histogram deliverySeconds;  ///< one delivery attempt
  Histogram acceptSeconds;    ///< end of DATA to the 250 (spool write)
  Histogram relaySeconds;     ///< the 250 to the last recipient's delivery (the relay's added latency)

  /// Adds one to a labelled counter, e.g. ("mugaid_messages_sanitized_total", "verdict", "changed").
  void count(const std::string& name, const std::string& labels);
  /// Gauges read when /metrics is asked for (queue sizes).
  void gauge(std::string name, std::string help, std::function<std::uint64_t()> read);

  /// The whole exposition text.
  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, std::uint64_t>> labelled_;
  std::map<std::string, std::pair<std::string, std::function<std::uint64_t()>>> gauges_;
};

}  // namespace mugai::daemon
