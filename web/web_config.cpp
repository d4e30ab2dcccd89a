// See web_config.h.
#include "web/web_config.h"

#include "core/smtp_address.h"

namespace mugai::web {

WebConfig readWebConfig(const Config& config) {
  WebConfig w;
  if (!config.document) return w;
  const std::string& src = config.source;
  const toml::table* daemon = nullptr;
  if (const toml::node* n = config.document->get("daemon"); n && n->is_table()) daemon = n->as_table();
  if (daemon) {  // the host's certificate, unless [web] names its own
    w.tlsCert = readString(*daemon, "tls_cert", w.tlsCert, src);
    w.tlsKey = readString(*daemon, "tls_key", w.tlsKey, src);
  }
  const toml::node* n = config.document->get("web");
  if (!n) return w;
  if (!n->is_table()) configFail(src, n, "[web] must be a table");
  const toml::table& t = *n->as_table();
  checkKeys(t,
            {"listen", "tls_cert", "tls_key", "language", "session_idle_minutes", "session_max_hours",
             "login_max_failures", "login_lock_minutes", "max_connections", "trusted_header", "trusted_proxies", "notify_to",
             "mail_from", "requests_per_hour"},
            src, "web");
  w.listen = readString(t, "listen", w.listen, src);
  if (w.listen.rfind(':') == std::string::npos) configFail(src, t.get("listen"), "[web] listen must be HOST:PORT");
  if (t.get("tls_cert") || t.get("tls_key")) {
    w.tlsCert = readString(t, "tls_cert", "", src);
    w.tlsKey = readString(t, "tls_key", "", src);
  }
  w.language = readChoice(t, "language", w.language, {"ja", "en"}, src);
  w.sessionIdleMinutes = readInt(t, "session_idle_minutes", w.sessionIdleMinutes, 1, 24 * 60, src);
  w.sessionMaxHours = readInt(t, "session_max_hours", w.sessionMaxHours, 1, 24 * 7, src);
  w.loginMaxFailures = readInt(t, "login_max_failures", w.loginMaxFailures, 1, 100, src);
  w.loginLockMinutes = readInt(t, "login_lock_minutes", w.loginLockMinutes, 1, 24 * 60, src);
  w.maxConnections = readInt(t, "max_connections", w.maxConnections, 1, 10000, src);
  w.trustedHeader = readString(t, "trusted_header", w.trustedHeader, src);
  for (char c : w.trustedHeader)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
      configFail(src, t.get("trusted_header"), "[web] trusted_header must be a header name (letters, digits, - and _)");
  w.trustedProxyText = readStrings(t, "trusted_proxies", w.trustedProxyText, src);
  for (const auto& text : w.trustedProxyText) {
    Network net;
    if (!parseNetwork(text, net))
      configFail(src, t.get("trusted_proxies"), "[web] trusted_proxies: \"" + text + "\" is not an address or network");
    w.trustedProxies.push_back(net);
  }
  w.notifyTo = readStrings(t, "notify_to", w.notifyTo, src);
  for (const auto& a : w.notifyTo)
    if (!validMailbox(a)) configFail(src, t.get("notify_to"), "[web] notify_to: \"" + a + "\" is not an address");
  w.mailFrom = readString(t, "mail_from", w.mailFrom, src);
  if (!w.mailFrom.empty() && !validMailbox(w.mailFrom))
    configFail(src, t.get("mail_from"), "[web] mail_from: \"" + w.mailFrom + "\" is not an address");
  w.requestsPerHour = readInt(t, "requests_per_hour", w.requestsPerHour, 1, 10000, src);
  if (!w.trustedHeader.empty() && w.trustedProxies.empty())
    configFail(src, t.get("trusted_header"),
               "[web] trusted_header needs trusted_proxies: the addresses of the proxies that set it");
  return w;
}

}  // namespace mugai::web
