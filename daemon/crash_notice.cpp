// See crash_notice.h.
#include "daemon/crash_notice.h"

#include <openssl/evp.h>

#include "daemon/trace.h"

namespace mugai::daemon {
namespace {

std::string base64Lines(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 57) {
    const std::string_view chunk = in.substr(i, 57);
    unsigned char buf[80];
    const int n = EVP_EncodeBlock(buf, reinterpret_cast<const unsigned char*>(chunk.data()), static_cast<int>(chunk.size()));
    out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
    out += "\r\n";
  }
  return out;
}

std::string withId(std::string text, const std::string& id) {
  for (std::size_t at; (at = text.find("{id}")) != std::string::npos;) text.replace(at, 4, id);
  return text;
}

}  // namespace

std::string crashNotice(const std::string& id, const std::string& hostname, const Config& config, bool kept,
                        std::int64_t now) {
  std::string body =
      "このメールは無害化ゲートウェイ mugai で検査を完了できなかったため、配送せずに止めました。\r\n"
      "添付ファイルや本文は含まれていません。\r\n";
  body += kept ? withId(config.notice.requestJa, id) + "\r\n" : "原本は保管していません。\r\n";
  body += "理由: job.worker_crashed (検査プロセスが異常終了しました)\r\n\r\n";
  body +=
      "The mugai detoxification gateway could not finish inspecting this message, so it was not delivered.\r\n"
      "None of its text or attachments are included here.\r\n";
  body += kept ? withId(config.notice.requestEn, id) + "\r\n" : "The original was not kept.\r\n";
  body += "Reason: job.worker_crashed (the inspecting process failed)\r\n";

  const std::string host = hostname.empty() ? "localhost" : hostname;
  std::string m;
  m += "From: MAILER-DAEMON@" + host + "\r\n";
  m += "To: undisclosed-recipients:;\r\n";
  // "[mugai] 配送を止めたメール / Message withheld", RFC 2047 UTF-8.
  m += "Subject: =?UTF-8?B?W211Z2FpXSDphY3pgIHjgpLmraLjgoHjgZ/jg6Hjg7zjg6s=?= / Message withheld\r\n";
  m += "Date: " + rfc5322Date(now) + "\r\n";
  m += "Message-ID: <" + id + ".withheld@" + host + ">\r\n";
  m += "X-Mugai-Id: " + id + "\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=UTF-8\r\n";
  m += "Content-Transfer-Encoding: base64\r\n\r\n";
  m += base64Lines(body);
  return m;
}

}  // namespace mugai::daemon
