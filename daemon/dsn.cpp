// See dsn.h.
#include "daemon/dsn.h"

#include <ctime>
#include <regex>

#include "daemon/trace.h"

namespace mugai::daemon {
namespace {

// A header value from the wire, safe to repeat: no CR/LF, no NUL.
std::string oneLine(std::string s) {
  for (char& c : s)
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
  return s.substr(0, 900);
}

}  // namespace

std::string headersForDsn(const std::string& message) {
  std::string block = message.substr(0, message.find("\r\n\r\n"));
  if (block.size() <= kDsnHeaderBytes) return block;
  // Cut at the end of a whole field (a line break not followed by a
  // continuation), so the part holds complete fields only.
  std::size_t cut = kDsnHeaderBytes;
  for (;;) {
    std::size_t crlf = block.rfind("\r\n", cut);
    if (crlf == std::string::npos || crlf == 0) return "";
    if (crlf + 2 < block.size() && block[crlf + 2] != ' ' && block[crlf + 2] != '\t') return block.substr(0, crlf);
    cut = crlf - 1;
  }
}

std::string statusOfReply(const std::string& reply, const std::string& fallback) {
  std::smatch m;
  if (std::regex_search(reply, m, std::regex("^[245][0-9][0-9][ -]([245]\\.[0-9]{1,3}\\.[0-9]{1,3})"))) return m[1];
  return fallback;
}

std::string buildDsn(const QueuedMessage& original, const std::vector<FailedRecipient>& failed,
                     const std::string& reportingHost, const std::string& dsnId, std::int64_t now) {
  const std::string boundary = "mugai-dsn-" + dsnId;
  std::string headerBlock = headersForDsn(original.data);
  std::string m;
  m += "From: Mail Delivery System <MAILER-DAEMON@" + reportingHost + ">\r\n";
  m += "To: <" + oneLine(original.envelope.mailFrom) + ">\r\n";
  m += "Subject: =?UTF-8?B?6YWN6YCB5aSx5pWX44Gu44GK55+l44KJ44Gb?= / Undelivered Mail Returned to Sender\r\n";
  m += "Date: " + rfc5322Date(now) + "\r\n";
  m += "Message-ID: <" + dsnId + "@" + reportingHost + ">\r\n";
  m += "Auto-Submitted: auto-replied\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/report; report-type=delivery-status; boundary=\"" + boundary + "\"\r\n\r\n";
  m += "--" + boundary + "\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
  m += "無害化ゲートウェイ mugai から、次の宛先へメールを配送できませんでした。\r\n";
  m += "The mugai gateway could not deliver your message to the recipients below.\r\n\r\n";
  for (const auto& f : failed) m += "  <" + oneLine(f.address) + ">: " + oneLine(f.diagnostic) + "\r\n";
  m += "\r\nQueue id / 受付番号: " + original.id + "\r\n";
  m += "\r\n--" + boundary + "\r\nContent-Type: message/delivery-status\r\n\r\n";
  m += "Reporting-MTA: dns; " + reportingHost + "\r\n";
  m += "X-Mugai-Queue-ID: " + original.id + "\r\n";
  if (original.receivedAt) m += "Arrival-Date: " + rfc5322Date(original.receivedAt) + "\r\n";
  for (const auto& f : failed) {
    m += "\r\nFinal-Recipient: rfc822; " + oneLine(f.address) + "\r\n";
    m += "Action: failed\r\n";
    m += "Status: " + f.status + "\r\n";
    m += "Diagnostic-Code: smtp; " + oneLine(f.diagnostic) + "\r\n";
  }
  m += "\r\n--" + boundary + "\r\nContent-Type: text/rfc822-headers\r\n\r\n";
  m += headerBlock + "\r\n";
  m += "\r\n--" + boundary + "--\r\n";
  return m;
}

}  // namespace mugai::daemon
