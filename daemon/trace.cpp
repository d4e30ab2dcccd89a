// See trace.h.
#include "daemon/trace.h"

#include <ctime>

namespace mugai::daemon {
namespace {

std::string tame(const std::string& s) {
  std::string out;
  for (unsigned char c : s.substr(0, 255))
    out += (c < 0x21 || c > 0x7E || c == '(' || c == ')' || c == ';' || c == '"' || c == '\\') ? '?' : static_cast<char>(c);
  return out.empty() ? "?" : out;
}

}  // namespace

std::string rfc5322Date(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S %z", &tm);
  return buf;
}

std::string receivedField(const Envelope& e, const std::string& hostname, std::int64_t now) {
  // Postfix's layout: from HELO (rDNS [address]) by us with PROTOCOL id ID (TLS) for <rcpt>; date
  std::string f = "Received: from " + tame(e.helo) + " ([" + tame(e.peer) + "])\r\n";
  f += "\tby " + tame(hostname) + " (mugaid) with " + (e.smtpUtf8 ? "UTF8SMTP" : "ESMTP") + (e.tls ? "S" : "") +
       " id " + e.id + "\r\n";
  if (e.tls && !e.tlsInfo.empty()) f += "\t(using " + tame(e.tlsInfo.substr(0, e.tlsInfo.find(' '))) + " with cipher " +
                                        tame(e.tlsInfo.substr(e.tlsInfo.find(' ') + 1)) + ")\r\n";
  // One recipient is named (as Postfix does); more would tell each of them the others.
  if (e.recipients.size() == 1) f += "\tfor <" + tame(e.recipients[0]) + ">\r\n";
  f += "\t; " + rfc5322Date(now) + "\r\n";
  return f;
}

}  // namespace mugai::daemon
