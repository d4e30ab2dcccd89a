// See metrics.h.
#include "daemon/metrics.h"

#include <cstdio>

namespace mugai::daemon {
namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

void counter(std::string& out, const char* name, const char* help, std::uint64_t v, const char* type = "counter") {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
         std::to_string(v) + "\n";
}

}  // namespace

void Histogram::observe(double seconds) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++counts_[i];
  ++count_;
  sum_ += seconds;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& help) const {
  std::lock_guard lock(mutex_);
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    out += name + "_bucket{le=\"" + number(kBuckets[i]) + "\"} " + std::to_string(counts_[i]) + "\n";
  out += name + "_bucket{le=\"+Inf\"} " + std::to_string(count_) + "\n";
  out += name + "_sum " + number(sum_) + "\n" + name + "_count " + std::to_string(count_) + "\n";
}

void Metrics::count(const std::string& name, const std::string& labels) {
  std::lock_guard lock(mutex_);
  ++labelled_[name][labels];
}

void Metrics::gauge(std::string name, std::string help, std::function<std::uint64_t()> read) {
  std::lock_guard lock(mutex_);
  gauges_[std::move(name)] = {std::move(help), std::move(read)};
}

std::string Metrics::render() const {
  std::string out;
  counter(out, "mugaid_sessions_total", "SMTP connections accepted.", sessionsTotal);
  counter(out, "mugaid_sessions_active", "SMTP connections open now.", sessionsActive, "gauge");
  counter(out, "mugaid_sessions_refused_total", "Connections refused by the connection limits.", sessionsRefused);
  counter(out, "mugaid_messages_received_total", "Messages spooled and acknowledged with 250.", messagesReceived);
  counter(out, "mugaid_bytes_received_total", "Bytes of acknowledged messages.", bytesReceived);
  counter(out, "mugaid_spool_errors_total", "Messages refused with 452 because the spool could not be written.", spoolErrors);
  counter(out, "mugaid_dsn_total", "Delivery status notifications queued.", dsnSent);
  std::lock_guard lock(mutex_);
  static const std::map<std::string, std::string> help{
      {"mugaid_messages_sanitized_total", "Messages through the pipeline, by verdict."},
      {"mugaid_actions_total", "Decisions on parts, by sanitizer and action."},
      {"mugaid_signature_hits_total", "Parts that matched a signature, by action (remove or reject)."},
      {"mugaid_deliveries_total", "Recipient delivery attempts, by result."}};
  for (const auto& [name, series] : labelled_) {
    auto h = help.find(name);
    out += "# HELP " + name + " " + (h == help.end() ? std::string("") : h->second) + "\n# TYPE " + name + " counter\n";
    for (const auto& [labels, v] : series) out += name + "{" + labels + "} " + std::to_string(v) + "\n";
  }
  for (const auto& [name, g] : gauges_)
    out += "# HELP " + name + " " + g.first + "\n# TYPE " + name + " gauge\n" + name + " " + std::to_string(g.second()) + "\n";
  sanitizeSeconds.render(out, "mugaid_sanitize_seconds", "Parse, sanitize and rebuild time per message.");
  deliverySeconds.render(out, "mugaid_delivery_seconds", "Time of one delivery attempt.");
  acceptSeconds.render(out, "mugaid_accept_seconds", "From the end of DATA to the 250 (the durable spool write).");
  relaySeconds.render(out, "mugaid_relay_seconds",
                      "From the 250 to the last recipient's delivery: the latency the relay adds after accepting.");
  return out;
}

}  // namespace mugai::daemon
