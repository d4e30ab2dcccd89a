// See daemon_config.h.
#include "daemon/daemon_config.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <thread>

namespace mugai::daemon {

std::string DaemonConfig::routeFor(const std::string& recipient, bool dsn) const {
  if (dsn && !dsnDelivery.empty()) return dsnDelivery;
  std::size_t at = recipient.rfind('@');
  std::string domain = at == std::string::npos ? "" : recipient.substr(at + 1);
  for (auto& c : domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = transport.find(domain);
  return it == transport.end() ? delivery : it->second;
}

DaemonConfig readDaemonConfig(const Config& config) {
  DaemonConfig d;
  d.session.maxMessageBytes = config.limits.maxMessageBytes;
  const toml::table* t = nullptr;
  if (config.document)
    if (const toml::node* n = config.document->get("daemon")) {
      if (!n->is_table()) configFail(config.source, n, "[daemon] must be a table");
      t = n->as_table();
    }
  if (t) {
    const std::string& src = config.source;
    checkKeys(*t,
              {"listen", "mode", "hostname", "spool_dir", "relay_domains", "trusted_networks", "delivery", "workers",
               "max_connections", "max_connections_per_client", "max_recipients", "command_timeout_seconds",
               "retry_seconds", "max_queue_days", "tls_cert", "tls_key", "metrics_listen", "next_hop_tls", "next_hop_ca_file", "next_hop_reuse_seconds", "proxy_protocol", "proxy_networks", "transport", "dsn_delivery",
               "allow_untrusted_routing", "recipient_verification", "verify_positive_seconds", "verify_negative_seconds",
               "verify_timeout_seconds", "memory_budget_bytes", "message_memory_bytes", "max_line_bytes", "max_hops",
               "metrics_max_connections"},
              src, "daemon");
    d.listen = readString(*t, "listen", d.listen, src);
    if (d.listen.rfind(':') == std::string::npos) configFail(src, t->get("listen"), "listen must be host:port");
    d.mode = readChoice(*t, "mode", d.mode, {"after-queue", "before-queue"}, src);
    d.hostname = readString(*t, "hostname", d.hostname, src);
    d.spoolDir = readString(*t, "spool_dir", d.spoolDir, src);
    d.relayDomains = readStrings(*t, "relay_domains", d.relayDomains, src);
    for (auto& r : d.relayDomains)  // compared with lower-cased recipient domains
      for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    d.trustedNetworkText = readStrings(*t, "trusted_networks", d.trustedNetworkText, src);
    auto checkHop = [&](const std::string& hop, const toml::node* at, const std::string& what) {
      bool ok = hop.rfind("maildir:", 0) == 0 ? hop.size() > 8
                : hop.rfind("smtp:", 0) == 0  ? hop.rfind(':') > 5
                                              : false;
      if (!ok) configFail(src, at, what + " must be \"maildir:DIR\" or \"smtp:HOST:PORT\"");
    };
    d.delivery = readString(*t, "delivery", d.delivery, src);
    checkHop(d.delivery, t->get("delivery"), "delivery");
    d.dsnDelivery = readString(*t, "dsn_delivery", d.dsnDelivery, src);
    if (!d.dsnDelivery.empty()) checkHop(d.dsnDelivery, t->get("dsn_delivery"), "dsn_delivery");
    if (const toml::node* n = t->get("transport")) {
      if (!n->is_table()) configFail(src, n, "[daemon.transport] must be a table of domain = \"next hop\"");
      for (const auto& [domain, hop] : *n->as_table()) {
        if (!hop.is_string()) configFail(src, &hop, "[daemon.transport] values must be strings");
        std::string h(*hop.value<std::string_view>());
        checkHop(h, &hop, "the transport of " + std::string(domain.str()));
        std::string key(domain.str());
        for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        d.transport[key] = h;
      }
    }
    d.workers = readInt(*t, "workers", d.workers, 0, 256, src);
    d.maxConnections = readInt(*t, "max_connections", d.maxConnections, 1, 100000, src);
    d.maxConnectionsPerClient = readInt(*t, "max_connections_per_client", d.maxConnectionsPerClient, 1, 100000, src);
    d.session.maxRecipients = static_cast<std::size_t>(readInt(*t, "max_recipients", d.session.maxRecipients, 100, 100000, src));
    d.commandTimeoutSeconds = readInt(*t, "command_timeout_seconds", d.commandTimeoutSeconds, 1, 3600, src);
    d.retrySeconds = readInt(*t, "retry_seconds", d.retrySeconds, 1, 86400, src);
    d.maxQueueDays = readInt(*t, "max_queue_days", d.maxQueueDays, 1, 60, src);
    d.tlsCert = readString(*t, "tls_cert", d.tlsCert, src);
    d.tlsKey = readString(*t, "tls_key", d.tlsKey, src);
    d.metricsListen = readString(*t, "metrics_listen", d.metricsListen, src);
    d.nextHopTls = readString(*t, "next_hop_tls", d.nextHopTls, src);
    if (!parseTlsPolicy(d.nextHopTls, d.nextHopTlsPolicy))
      configFail(src, t->get("next_hop_tls"), "next_hop_tls must be \"none\", \"may\", \"encrypt\" or \"verify\"");
    d.nextHopCaFile = readString(*t, "next_hop_ca_file", d.nextHopCaFile, src);
    d.nextHopReuseSeconds = readInt(*t, "next_hop_reuse_seconds", d.nextHopReuseSeconds, 0, 300, src);
    d.proxyProtocol = readBool(*t, "proxy_protocol", d.proxyProtocol, src);
    d.allowUntrustedRouting = readBool(*t, "allow_untrusted_routing", d.allowUntrustedRouting, src);
    d.recipientVerification = readChoice(*t, "recipient_verification", d.recipientVerification, {"off", "probe"}, src);
    d.verifyPositiveSeconds = readInt(*t, "verify_positive_seconds", d.verifyPositiveSeconds, 0, 30 * 86400, src);
    d.verifyNegativeSeconds = readInt(*t, "verify_negative_seconds", d.verifyNegativeSeconds, 0, 30 * 86400, src);
    d.verifyTimeoutSeconds = readInt(*t, "verify_timeout_seconds", d.verifyTimeoutSeconds, 1, 300, src);
    d.memoryBudgetBytes = static_cast<std::uint64_t>(
        readInt(*t, "memory_budget_bytes", static_cast<std::int64_t>(d.memoryBudgetBytes), 0, std::int64_t{1} << 40, src));
    d.messageMemoryBytes = static_cast<std::uint64_t>(
        readInt(*t, "message_memory_bytes", static_cast<std::int64_t>(d.messageMemoryBytes), 0, std::int64_t{1} << 36, src));
    d.session.maxLineBytes = static_cast<std::size_t>(
        readInt(*t, "max_line_bytes", static_cast<std::int64_t>(d.session.maxLineBytes), 1000, std::int64_t{1} << 30, src));
    d.session.maxHops = readInt(*t, "max_hops", d.session.maxHops, 1, 1000, src);
    d.metricsMaxConnections = readInt(*t, "metrics_max_connections", d.metricsMaxConnections, 1, 10000, src);
    d.proxyNetworkText = readStrings(*t, "proxy_networks", d.proxyNetworkText, src);
    for (const auto& text : d.proxyNetworkText) {
      Network n;
      if (!parseNetwork(text, n)) configFail(src, t->get("proxy_networks"), "bad network \"" + text + "\"");
    }
    if (!d.metricsListen.empty() && d.metricsListen.rfind(':') == std::string::npos)
      configFail(src, t->get("metrics_listen"), "metrics_listen must be host:port (or \"\" for off)");
    if (d.tlsCert.empty() != d.tlsKey.empty())
      configFail(src, t->get(d.tlsCert.empty() ? "tls_key" : "tls_cert"), "tls_cert and tls_key go together");
    for (const auto& text : d.trustedNetworkText) {
      Network n;
      if (!parseNetwork(text, n)) configFail(src, t->get("trusted_networks"), "bad network \"" + text + "\"");
    }
  }
  for (const auto& text : d.trustedNetworkText) {
    Network n;
    if (parseNetwork(text, n)) d.trustedNetworks.push_back(n);
  }
  for (const auto& text : d.proxyNetworkText) {
    Network n;
    if (parseNetwork(text, n)) d.proxyNetworks.push_back(n);
  }
  if (d.hostname.empty()) {
    char host[256] = "localhost";
    ::gethostname(host, sizeof host - 1);
    d.hostname = host;
  }
  return d;
}

int DaemonConfig::threads() const {
  return workers > 0 ? workers : 2 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace mugai::daemon
