// [daemon] of the TOML config: where mugaid listens, whom it relays for,
// where it spools and how it delivers. Checked like every other section:
// unknown keys and bad values are errors naming file and line.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/network.h"
#include "core/smtp_client.h"
#include "daemon/smtp_session.h"

namespace mugai::daemon {

using mugai::Network;
using mugai::parseNetwork;

struct DaemonConfig {
  std::string listen = "127.0.0.1:2525";     ///< host:port; port 0 = any free port (tests)
  std::string hostname;                      ///< banner and EHLO name; "" = the machine's name
  std::string spoolDir = "/var/spool/mugai";
  std::vector<std::string> relayDomains;     ///< recipient domains accepted from any client
  std::vector<Network> trustedNetworks;      ///< clients that may send to any domain
  std::vector<std::string> trustedNetworkText{"127.0.0.0/8", "::1/128"};
  /// after-queue: 250 once spooled, sanitized after. before-queue: sanitized
  /// inside DATA, the reply is the verdict (550 when the policy rejects).
  std::string mode = "after-queue";
  bool beforeQueue() const { return mode == "before-queue"; }
  std::string delivery = "maildir:/var/lib/mugai/maildir";  ///< "maildir:DIR" or "smtp:HOST:PORT"
  /// [daemon.transport]: recipient domain -> next hop, overriding `delivery`.
  std::map<std::string, std::string> transport;
  /// Next hop for DSNs (they go to internet senders); "" = route like any mail.
  std::string dsnDelivery;

  /// The next hop for `recipient` (lower-cased domain lookup), or for a DSN.
  std::string routeFor(const std::string& recipient, bool dsn) const;
  /// The sanitizing threads: `workers`, or two per core by default (a
  /// thread spends about half of each message waiting: the quarantine's
  /// commit, the next hop's replies; another sanitizes meanwhile).
  int threads() const;
  int workers = 0;                           ///< sanitizing threads; 0 = two per core (threads())
  int maxConnections = 1000;
  int maxConnectionsPerClient = 50;
  int commandTimeoutSeconds = 300;           ///< RFC 5321 4.5.3.2.7 (server timeout)
  int retrySeconds = 300;                    ///< first retry; doubles up to an hour
  int maxQueueDays = 5;                      ///< then the message bounces
  std::string tlsCert;                       ///< PEM chain for STARTTLS; "" = no STARTTLS
  std::string tlsKey;                        ///< PEM private key
  std::string metricsListen;                 ///< host:port for Prometheus /metrics; "" = off
  std::string nextHopTls = "may";            ///< none | may | encrypt | verify (smtp: delivery)
  std::string nextHopCaFile;                 ///< PEM CAs for "verify"; "" = the system's
  int nextHopReuseSeconds = 2;               ///< keep an idle SMTP connection this long for the next message; 0 = never reuse
  bool proxyProtocol = false;                ///< expect a PROXY v1/v2 header on every connection
  std::vector<std::string> proxyNetworkText{"127.0.0.0/8", "::1/128"};
  std::vector<Network> proxyNetworks;        ///< the balancers allowed to send it
  /// Untrusted clients may use sender-specified routing (user%host@relay,
  /// host!user@relay, "user@host"@relay, @route:user@relay). Off as in
  /// Postfix (allow_untrusted_routing = no): such recipients get 550.
  bool allowUntrustedRouting = false;
  /// "off" or "probe": ask the next hop for each recipient before the 250 (recipient_probe.h).
  std::string recipientVerification = "off";
  bool probeRecipients() const { return recipientVerification == "probe"; }
  int verifyPositiveSeconds = 86400;         ///< an accepted recipient is not asked again for this long
  int verifyNegativeSeconds = 3600;          ///< nor a refused one
  int verifyTimeoutSeconds = 30;             ///< per exchange of a probe
  /// Message bytes all sessions together hold in memory while they
  /// arrive; past it (or past message_memory_bytes for one message) DATA
  /// goes to a file in the spool as it arrives (message_body.h).
  std::uint64_t memoryBudgetBytes = 256ull << 20;
  std::uint64_t messageMemoryBytes = 1ull << 20;
  int metricsMaxConnections = 16;            ///< /metrics clients at once (more are closed at once)
  SessionLimits session;
  TlsPolicy nextHopTlsPolicy = TlsPolicy::May;
};

/// Reads [daemon] from `config.document` (defaults for absent keys; the
/// session's message size comes from [limits] max_message_bytes).
DaemonConfig readDaemonConfig(const Config& config);

}  // namespace mugai::daemon
