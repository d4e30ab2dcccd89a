// libFuzzer target: any bytes from a client through the SMTP state machine,
// fed in the chunks the input's first bytes choose (so line ends fall
// anywhere), with a recipient check that sometimes answers later and a
// handler that sometimes replies later. Beyond "no crash, no hang", it
// checks what must hold for every client: each reply line is a complete
// "DDD" or "DDD-" line ending in CR LF; nothing in an accepted envelope
// holds a control byte; a delivered body never holds a bare CR or LF
// (smuggling) and stays within the size limit.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/smtp_address.h"
#include "daemon/smtp_session.h"

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "%s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void checkReplies(const std::string& out) {
  for (std::size_t i = 0; i < out.size();) {
    std::size_t end = out.find("\r\n", i);
    if (end == std::string::npos) fail("reply without CR LF", out.substr(i));
    std::string_view line(out.data() + i, end - i);
    if (line.size() < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' || line[2] < '0' ||
        line[2] > '9' || (line.size() > 3 && line[3] != ' ' && line[3] != '-'))
      fail("malformed reply line", line);
    if (line.find('\r') != std::string_view::npos || line.find('\n') != std::string_view::npos)
      fail("reply with a line break inside", line);
    i = end + 2;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mugai::daemon;
  if (size < 2) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  const bool later = data[1] & 1;
  std::string_view in(reinterpret_cast<const char*>(data) + 2, size - 2);
  SessionLimits limits;
  limits.maxMessageBytes = 4096;
  limits.maxLineBytes = 1024;
  limits.maxHops = 3;
  limits.maxRecipients = 100;
  int deferredMessages = 0;
  SmtpSession session(
      "mx.example", limits, "192.0.2.1",
      [&](const std::string& r) {
        if (r.empty() || mugai::hasControlBytes(r)) fail("recipient check got a bad path", r);
        return later && r.size() % 2 ? SmtpSession::kLater : std::string();
      },
      [&](Envelope e, MessageBody b) {
        for (const auto& r : e.recipients)
          if (!mugai::validMailbox(r)) fail("invalid recipient accepted", r);
        if (!e.mailFrom.empty() && !mugai::validMailbox(e.mailFrom)) fail("invalid sender accepted", e.mailFrom);
        if (mugai::hasControlBytes(e.helo)) fail("control byte in HELO", e.helo);
        const std::string body = b.readAll();
        if (body.size() > limits.maxMessageBytes) fail("body over the limit", "");
        for (std::size_t i = 0; i < body.size(); ++i)
          if ((body[i] == '\r') != (i + 1 < body.size() && body[i + 1] == '\n') ||
              (body[i] == '\n' && (i == 0 || body[i - 1] != '\r')))
            fail("bare CR or LF in a delivered body", body);
        if (later && ++deferredMessages % 2) return std::string();
        return std::string("250 2.0.0 Ok");
      });
  session.offerTls(data[1] & 2);
  checkReplies(session.greeting());
  for (std::size_t i = 0; i < in.size() && !session.wantsClose(); i += chunk) {
    checkReplies(session.feed(in.substr(i, chunk)));
    while (session.waitingForRecipient()) checkReplies(session.completeRecipient(session.pendingRecipient().size() % 3 ? "" : "550 5.1.1 no"));
    if (session.waiting()) checkReplies(session.complete("250 2.0.0 Ok: later"));
    if (session.wantsTls()) session.tlsStarted("TLSv1.3 X");
  }
  return 0;
}
