// [web] of the TOML config: how mugai-web, the quarantine console, listens
// and who may use it. Checked like every other section (unknown keys and bad
// values are errors naming file and line); mugaid and mugai ignore it.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"
#include "core/network.h"

namespace mugai::web {

struct WebConfig {
  std::string listen = "127.0.0.1:8443";  ///< host:port (HTTPS only); port 0 = any free port (tests)
  /// PEM chain and key; "" = [daemon] tls_cert / tls_key (one certificate for the host).
  std::string tlsCert, tlsKey;
  std::string language = "ja";            ///< "ja" or "en": the UI's language until a user picks one
  int sessionIdleMinutes = 30;            ///< a session unused this long ends
  int sessionMaxHours = 8;                ///< and every session ends this long after login
  int loginMaxFailures = 5;               ///< failed logins in a row that lock an account
  int loginLockMinutes = 15;              ///< for this long
  int maxConnections = 200;               ///< open connections at once; more are closed at once
  /// Single sign-on behind a reverse proxy (Apache mod_auth_openidc /
  /// mod_auth_gssapi): the request header naming the authenticated user
  /// ("" = off). Believed only from trusted_proxies; removed from any other
  /// request. The name must be an account of `mugai web user` (its role).
  std::string trustedHeader;
  std::vector<std::string> trustedProxyText;
  std::vector<Network> trustedProxies;
  /// Administrators told by mail of each new release request (through
  /// [quarantine] release_relay); empty = nobody (the queue is in the console).
  std::vector<std::string> notifyTo;
  /// Sender of the console's mails (envelope and From); "" = the null sender,
  /// From: mugai-web@HOSTNAME.
  std::string mailFrom;
  /// A client address may file this many requests an hour.
  int requestsPerHour = 20;
};

/// Reads [web] from `config.document` (defaults for absent keys). Throws ConfigError.
WebConfig readWebConfig(const Config& config);

}  // namespace mugai::web
