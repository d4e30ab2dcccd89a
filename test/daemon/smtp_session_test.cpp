// The SMTP state machine, byte for byte: replies a client sees, pipelining,
// limits, and every end-of-data variant of smtp-smuggling.md: a smuggled
// second message must never come out of one DATA.
#include <catch2/catch_test_macros.hpp>

#include <string>
#include <vector>

#include "daemon/smtp_session.h"

using mugai::daemon::Envelope;
using mugai::daemon::SessionLimits;
using mugai::daemon::SmtpSession;

namespace {

struct Harness {
  std::vector<std::pair<Envelope, std::string>> messages;
  SmtpSession session;
  explicit Harness(SessionLimits limits = {})
      : session("mx.example.lg.jp", limits, "192.0.2.1",
                [](const std::string& rcpt) {  // the relay serves example.lg.jp only
                  return rcpt.find("@example.lg.jp") != std::string::npos
                             ? std::string()
                             : std::string("554 5.7.1 <" + rcpt + ">: Relay access denied");
                },
                [this](Envelope e, mugai::daemon::MessageBody body) {
                  messages.push_back({std::move(e), body.readAll()});
                  return "250 2.0.0 Ok: queued as " + std::to_string(messages.size());
                }) {}
};

const std::string kStart = "EHLO client.example\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<b@example.lg.jp>\r\nDATA\r\n";

}  // namespace

TEST_CASE("smtp: a plain transaction, reply by reply", "[smtp]") {
  Harness h;
  CHECK(h.session.greeting() == "220 mx.example.lg.jp ESMTP mugaid\r\n");
  CHECK(h.session.feed("EHLO client.example\r\n") ==
        "250-mx.example.lg.jp\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
        "250 SMTPUTF8\r\n");
  CHECK(h.session.feed("MAIL FROM:<a@example.net> SIZE=100 BODY=8BITMIME\r\n") == "250 2.1.0 Ok\r\n");
  CHECK(h.session.feed("RCPT TO:<b@example.lg.jp>\r\n") == "250 2.1.5 Ok\r\n");
  CHECK(h.session.feed("DATA\r\n") == "354 End data with <CR><LF>.<CR><LF>\r\n");
  CHECK(h.session.feed("Subject: hi\r\n\r\n..leading dot\r\n.\r\n") == "250 2.0.0 Ok: queued as 1\r\n");
  CHECK(h.session.feed("QUIT\r\n") == "221 2.0.0 Bye\r\n");
  CHECK(h.session.wantsClose());
  REQUIRE(h.messages.size() == 1);
  CHECK(h.messages[0].second == "Subject: hi\r\n\r\n.leading dot\r\n");  // unstuffed once
  CHECK(h.messages[0].first.mailFrom == "a@example.net");
  CHECK(h.messages[0].first.recipients == std::vector<std::string>{"b@example.lg.jp"});
  CHECK(h.messages[0].first.eightBit);
}

TEST_CASE("smtp: a pipelined group gets its replies in order, split anywhere", "[smtp]") {
  const std::string all = kStart + "x\r\n.\r\nQUIT\r\n";
  for (std::size_t cut = 1; cut < all.size(); cut += 7) {
    Harness h;
    std::string replies = h.session.feed(all.substr(0, cut));  // two statements: + has no evaluation order
    replies += h.session.feed(all.substr(cut));
    CHECK(replies.find("250 2.0.0 Ok: queued as 1\r\n221 2.0.0 Bye\r\n") != std::string::npos);
    CHECK(h.messages.size() == 1);
  }
}

TEST_CASE("smtp: order, syntax and relay errors", "[smtp]") {
  Harness h;
  CHECK(h.session.feed("MAIL FROM:<a@x>\r\n") == "503 5.5.1 Error: send HELO/EHLO first\r\n");
  h.session.feed("HELO c\r\n");
  CHECK(h.session.feed("RCPT TO:<b@example.lg.jp>\r\n") == "503 5.5.1 Error: need MAIL command\r\n");
  CHECK(h.session.feed("MAIL FROM:a@x\r\n") == "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
  CHECK(h.session.feed("MAIL FROM:<>\r\n") == "250 2.1.0 Ok\r\n");  // the null sender
  CHECK(h.session.feed("MAIL FROM:<a@x>\r\n") == "503 5.5.1 Error: nested MAIL command\r\n");
  CHECK(h.session.feed("RCPT TO:<victim@elsewhere.example>\r\n") ==
        "554 5.7.1 <victim@elsewhere.example>: Relay access denied\r\n");
  CHECK(h.session.feed("DATA\r\n") == "554 5.5.1 Error: no valid recipients\r\n");
  CHECK(h.session.feed("MAIL FROM:<a@x> SIZE=99999999999\r\n") == "503 5.5.1 Error: nested MAIL command\r\n");
  CHECK(h.session.feed("RSET\r\n") == "250 2.0.0 Ok\r\n");
  CHECK(h.session.feed("MAIL FROM:<a@x> SIZE=99999999999\r\n") == "552 5.3.4 Message size exceeds fixed limit\r\n");
  CHECK(h.session.feed("MAIL FROM:<a@x> AUTH=<>\r\n") == "555 5.5.4 Unsupported option: AUTH=<>\r\n");
  CHECK(h.session.feed("VRFY root\r\n").rfind("252 ", 0) == 0);
  CHECK(h.session.feed("BDAT 10\r\n") == "502 5.5.2 Error: command not recognized\r\n");
  CHECK(h.messages.empty());
}

TEST_CASE("smtp: limits on lines, recipients, size and errors", "[smtp][limits]") {
  SECTION("a command line past the limit") {
    Harness h;
    CHECK(h.session.feed("HELO " + std::string(3000, 'a') + "\r\n") == "500 5.5.2 Error: line too long\r\n");
  }
  SECTION("a command that never ends is cut off") {
    Harness h;
    CHECK(h.session.feed(std::string(5000, 'a')) == "500 5.5.2 Error: line too long\r\n");
    CHECK(h.session.wantsClose());
  }
  SECTION("too many recipients") {
    SessionLimits l;
    l.maxRecipients = 2;
    Harness h(l);
    h.session.feed("HELO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<1@example.lg.jp>\r\nRCPT TO:<2@example.lg.jp>\r\n");
    CHECK(h.session.feed("RCPT TO:<3@example.lg.jp>\r\n") == "452 4.5.3 Error: too many recipients\r\n");
  }
  SECTION("a message over the size limit is refused after its end, and nothing is kept") {
    SessionLimits l;
    l.maxMessageBytes = 1000;
    Harness h(l);
    h.session.feed(kStart);
    std::string replies;
    for (int i = 0; i < 50; ++i) replies += h.session.feed(std::string(100, 'x') + "\r\n");
    replies += h.session.feed(".\r\n");
    CHECK(replies == "552 5.3.4 Error: message file too big\r\n");
    CHECK(h.messages.empty());
    CHECK(h.session.feed("NOOP\r\n") == "250 2.0.0 Ok\r\n");  // the session goes on
  }
  SECTION("too many errors end the session") {
    SessionLimits l;
    l.maxErrors = 3;
    Harness h(l);
    std::string r = h.session.feed("X\r\nY\r\nZ\r\nNOOP\r\n");
    CHECK(r.find("421 4.7.0 mx.example.lg.jp Error: too many errors\r\n") != std::string::npos);
    CHECK(r.find("250 2.0.0 Ok") == std::string::npos);
    CHECK(h.session.wantsClose());
  }
}

TEST_CASE("smtp: bare LF or CR in a command ends the session", "[smtp][smuggling]") {
  for (std::string bad : {"NOOP\n", "NO\rOP\r\n", "EHLO a\r\r\n"}) {
    Harness h;
    std::string r = h.session.feed(bad);
    CHECK(r.rfind("521 5.5.2 ", 0) == 0);
    CHECK(h.session.wantsClose());
  }
}

// The variants of ../shared/corpora/smtp-smuggling.md, framed as the
// scanner frames them: CR LF + SEQUENCE + CR LF, then the commands of a
// smuggled second message, then the real end of data.
TEST_CASE("smtp: no end-of-data variant smuggles a second message", "[smtp][smuggling]") {
  const std::vector<std::string> variants = {
      std::string("\n.\n"),          std::string("\n.\r"),       std::string("\r.\n"),
      std::string("\r.\r"),          std::string("\n.\r\n"),     std::string("\r.\r\n"),
      std::string("\r\n\0.\r\n", 6), std::string("\r\n.\r\r\n"), std::string("\r\r\n.\r\r\n"),
      std::string("\r\n.\n"),        std::string("\r\n.\r"),     std::string("\r\n.\0\r\n", 6),
      std::string("\r\r\n.\r\n"),
  };
  CHECK(variants.size() == 13);
  for (const auto& seq : variants) {
    Harness h;
    std::string wire = kStart + "From: a@example.net\r\nSubject: first\r\n\r\nbody" + "\r\n" + seq + "\r\n" +
                       "mail FROM:<smuggled@example.net>\r\nrcpt TO:<b@example.lg.jp>\r\ndata\r\n"
                       "From: ceo@example.lg.jp\r\nSubject: SMUGGLED\r\n\r\nsmuggled body\r\n.\r\nQUIT\r\n";
    h.session.feed(wire);
    INFO("variant bytes: " << seq.size());
    // Either the whole DATA is refused (bare CR/LF: 521, no message) or it
    // is one message that carries the smuggled text as its own body.
    REQUIRE(h.messages.size() <= 1);
    for (const auto& [env, data] : h.messages) {
      CHECK(env.mailFrom == "a@example.net");
      CHECK(data.rfind("From: a@example.net\r\n", 0) == 0);
    }
  }
}

TEST_CASE("smtp: STARTTLS drops what was pipelined after it and starts over", "[smtp][tls]") {
  Harness h;
  h.session.offerTls(true);
  CHECK(h.session.feed("EHLO c\r\n").find("250-STARTTLS\r\n") != std::string::npos);
  // A man in the middle appends commands to the cleartext STARTTLS.
  CHECK(h.session.feed("STARTTLS\r\nMAIL FROM:<evil@x>\r\nRCPT TO:<b@example.lg.jp>\r\n") ==
        "220 2.0.0 Ready to start TLS\r\n");
  CHECK(h.session.wantsTls());
  h.session.tlsStarted();
  CHECK(h.session.tls());
  // The injected MAIL was never executed, and HELO must be given again.
  CHECK(h.session.feed("RCPT TO:<b@example.lg.jp>\r\n") == "503 5.5.1 Error: need MAIL command\r\n");
  CHECK(h.session.feed("MAIL FROM:<a@x>\r\n") == "503 5.5.1 Error: send HELO/EHLO first\r\n");
  std::string ehlo = h.session.feed("EHLO c\r\n");
  CHECK(ehlo.find("STARTTLS") == std::string::npos);  // not offered twice
  CHECK(h.session.feed("STARTTLS\r\n") == "502 5.5.1 Error: command not implemented\r\n");
}

TEST_CASE("smtp: STARTTLS is refused when no certificate is configured", "[smtp][tls]") {
  Harness h;
  CHECK(h.session.feed("EHLO c\r\n").find("STARTTLS") == std::string::npos);
  CHECK(h.session.feed("STARTTLS\r\n") == "502 5.5.1 Error: command not implemented\r\n");
}

TEST_CASE("smtp: a reply that comes later holds what the client pipelined behind the message", "[smtp]") {
  std::vector<std::string> bodies;
  SmtpSession session(
      "mx.example.lg.jp", {}, "192.0.2.1", [](const std::string&) { return std::string(); },
      [&](Envelope, mugai::daemon::MessageBody body) {
        bodies.push_back(body.readAll());
        return std::string();  // the verdict comes later (before-queue mode, or the spool thread)
      });
  // The client pipelines the next transaction right behind the final dot
  // (RFC 2920 allows it up to DATA).
  std::string replies = session.feed(kStart + "first\r\n.\r\nMAIL FROM:<c@example.net>\r\nRCPT TO:<d@example.lg.jp>\r\n");
  CHECK(replies.find("354 ") != std::string::npos);
  CHECK(replies.find("250 2.1.0") != std::string::npos);  // the first MAIL, not the pipelined one
  CHECK(session.waiting());
  CHECK(session.feed("DATA\r\n").empty());  // still nothing executed
  REQUIRE(bodies.size() == 1);
  CHECK(session.complete("550 5.7.1 refused by policy") ==
        "550 5.7.1 refused by policy\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
  CHECK_FALSE(session.waiting());
  CHECK(session.feed("second\r\n.\r\n").empty());
  CHECK(session.waiting());
  CHECK(session.complete("250 2.0.0 Ok: queued as 2") == "250 2.0.0 Ok: queued as 2\r\n");
  CHECK(session.feed("QUIT\r\n") == "221 2.0.0 Bye\r\n");
  REQUIRE(bodies.size() == 2);
  CHECK(bodies[1] == "second\r\n");
}

TEST_CASE("smtp: a client flooding while its reply is pending is dropped", "[smtp]") {
  SessionLimits limits;
  limits.maxRecipients = 100;
  SmtpSession session(
      "mx.example.lg.jp", limits, "192.0.2.1", [](const std::string&) { return std::string(); },
      [&](Envelope, mugai::daemon::MessageBody) { return std::string(); });
  session.feed(kStart + "x\r\n.\r\n");
  REQUIRE(session.waiting());
  std::string flood(limits.maxCommandLine * (limits.maxRecipients + 9), 'A');
  CHECK(session.feed(flood).empty());
  CHECK(session.wantsClose());
  CHECK(session.complete("250 2.0.0 Ok") == "250 2.0.0 Ok\r\n");  // the message's own reply still goes out
}

TEST_CASE("smtp: control bytes in HELO or an address get 501, never reach the envelope", "[smtp][side-doors]") {
  Harness h;
  CHECK(h.session.feed("EHLO evil\x1b[2K tls=yes client=10.9.9.9\r\n") == "501 5.5.2 Syntax: control characters in EHLO\r\n");
  CHECK(h.session.feed("HELO a\x7f\r\n") == "501 5.5.2 Syntax: control characters in HELO\r\n");
  h.session.feed("EHLO client.example\r\n");
  const char nul[] = "MAIL FROM:<a\0b@x.example>\r\n";
  CHECK(h.session.feed(std::string(nul, sizeof nul - 1)).rfind("501 ", 0) == 0);
  CHECK(h.session.feed("MAIL FROM:<a\tb@x.example>\r\n").rfind("501 ", 0) == 0);
  CHECK(h.session.feed("MAIL FROM:<a@x.example>\r\n") == "250 2.1.0 Ok\r\n");
  CHECK(h.session.feed("RCPT TO:<b\x01@example.lg.jp>\r\n").rfind("501 ", 0) == 0);
  CHECK(h.session.feed("RCPT TO:<b@example.lg.jp>\r\nDATA\r\nx\r\n.\r\n").find("250 2.0.0") != std::string::npos);
  REQUIRE(h.messages.size() == 1);
  CHECK(h.messages[0].first.helo == "client.example");
  CHECK(h.messages[0].first.mailFrom == "a@x.example");
}

TEST_CASE("smtp: addresses must be RFC 5321 paths", "[smtp][side-doors]") {
  Harness h;
  h.session.feed("EHLO c\r\nMAIL FROM:<a@x.example>\r\n");
  // UTF-8 only in a transaction that said SMTPUTF8 (RFC 6531 3.4).
  CHECK(h.session.feed("RCPT TO:<ユーザー@example.lg.jp>\r\n") == "553 5.6.7 Error: non-ASCII recipient address without SMTPUTF8\r\n");
  h.session.feed("RSET\r\nMAIL FROM:<a@x.example> SMTPUTF8\r\n");
  // Not UTF-8 at all: an overlong '%' (C0 A5), a lone continuation byte.
  CHECK(h.session.feed("RCPT TO:<a\xC0\xA5" "b@example.lg.jp>\r\n") == "501 5.1.3 Bad recipient address syntax\r\n");
  CHECK(h.session.feed("RCPT TO:<a\x80@example.lg.jp>\r\n") == "501 5.1.3 Bad recipient address syntax\r\n");
  CHECK(h.session.feed("RCPT TO:<\"a>b\"@example.lg.jp>\r\n").rfind("501 ", 0) == 0);
  for (const char* bad : {"user@remote@example.lg.jp", "@example.lg.jp", "user@", "a..b@example.lg.jp", ".a@example.lg.jp",
                          "\"unclosed@example.lg.jp", "user@-bad.example.lg.jp", "user@[300.1.1.1]", "@a:"})
    CHECK(h.session.feed("RCPT TO:<" + std::string(bad) + ">\r\n") == "501 5.1.3 Bad recipient address syntax\r\n");
  CHECK(h.session.feed("RCPT TO:<" + std::string(250, 'a') + "@example.lg.jp>\r\n") ==
        "501 5.1.3 Bad recipient address syntax\r\n");  // past the 254-octet path
  // Valid shapes reach relay control (the harness accepts example.lg.jp);
  // a source route is dropped, the mailbox kept as sent.
  CHECK(h.session.feed("RCPT TO:<\"quoted local\"@example.lg.jp>\r\n").rfind("501 5.5.4", 0) == 0);  // a space: not a path we take
  CHECK(h.session.feed("RCPT TO:<\"q@x\"@example.lg.jp>\r\n") == "250 2.1.5 Ok\r\n");
  CHECK(h.session.feed("RCPT TO:<@relay.example:user@example.lg.jp>\r\n") == "250 2.1.5 Ok\r\n");
  CHECK(h.session.feed("RCPT TO:<user@[192.0.2.1]>\r\n").rfind("554 ", 0) == 0);  // syntax fine, not our domain
  CHECK(h.session.feed("RCPT TO:<ユーザー@example.lg.jp>\r\n") == "250 2.1.5 Ok\r\n");  // SMTPUTF8 local part
  h.session.feed("DATA\r\nx\r\n.\r\n");
  REQUIRE(h.messages.size() == 1);
  CHECK(h.messages[0].first.recipients ==
        std::vector<std::string>{"\"q@x\"@example.lg.jp", "user@example.lg.jp", "ユーザー@example.lg.jp"});
}

TEST_CASE("smtp: an unterminated command is cut at 512 bytes, a text line at max_line_bytes", "[smtp][limits][side-doors]") {
  SECTION("a command of 513 bytes with its CRLF") {
    Harness h;
    CHECK(h.session.feed("HELO " + std::string(506, 'a') + "\r\n") == "500 5.5.2 Error: line too long\r\n");
    CHECK(h.session.feed("HELO " + std::string(505, 'a') + "\r\n").rfind("250 ", 0) == 0);
  }
  SECTION("a command that never ends: cut at 512 bytes, the connection closed") {
    Harness h;
    CHECK(h.session.feed(std::string(513, 'a')) == "500 5.5.2 Error: line too long\r\n");
    CHECK(h.session.wantsClose());
  }
  SECTION("a text line that never ends holds at most max_line_bytes, and the message is refused") {
    SessionLimits l;
    l.maxLineBytes = 4096;
    Harness h(l);
    h.session.feed(kStart);
    std::string replies;
    for (int i = 0; i < 100; ++i) replies += h.session.feed(std::string(1000, 'x'));
    // 100 kB of one line, ending in "." just before its CR LF: still that line, never the end of DATA.
    replies += h.session.feed(".\r\n");
    CHECK(replies.empty());
    CHECK(h.session.inData());
    replies += h.session.feed("next line\r\n.\r\n");
    CHECK(replies == "552 5.3.4 Error: a line of the message is longer than 4096 bytes\r\n");
    CHECK(h.messages.empty());
  }
  SECTION("a bare CR inside an over-long line still ends the session") {
    SessionLimits l;
    l.maxLineBytes = 4096;
    Harness h(l);
    h.session.feed(kStart);
    CHECK(h.session.feed(std::string(3000, 'x') + "\r" + std::string(3000, 'y')).rfind("521 ", 0) == 0);
    CHECK(h.session.wantsClose());
  }
}

TEST_CASE("smtp: a message past max_hops Received fields is refused with 5.4.6", "[smtp][side-doors]") {
  SessionLimits l;
  l.maxHops = 50;
  auto send = [&](int hops, const std::string& bodyLines) {
    Harness h(l);
    std::string m;
    for (int i = 0; i < hops; ++i) m += (i % 2 ? "received: from a by b; x\r\n" : "Received: from a\r\n\tby b; x\r\n");
    h.session.feed(kStart);
    std::string r = h.session.feed(m + "Subject: loop\r\n\r\n" + bodyLines + ".\r\n");
    return std::make_pair(r, h.messages.size());
  };
  CHECK(send(50, "").first == "250 2.0.0 Ok: queued as 1\r\n");
  auto [reply, count] = send(51, "");
  CHECK(reply == "554 5.4.6 Error: too many hops (51 Received fields): mail loop?\r\n");
  CHECK(count == 0);
  // Received lines in the body are not hops.
  std::string body;
  for (int i = 0; i < 60; ++i) body += "Received: quoted in the body\r\n";
  CHECK(send(1, body).first == "250 2.0.0 Ok: queued as 1\r\n");
}

TEST_CASE("smtp: the trace field starts the message, with the id chosen at DATA", "[smtp][side-doors]") {
  Harness h;
  h.session.setTrace([](Envelope& e) {
    e.id = "0123456789abcdef0123456789abcdef";
    return "Received: from " + e.helo + " ([" + e.peer + "]) id " + e.id + "\r\n";
  });
  h.session.feed(kStart + "Subject: hi\r\n\r\nbody\r\n.\r\n");
  REQUIRE(h.messages.size() == 1);
  CHECK(h.messages[0].second ==
        "Received: from client.example ([192.0.2.1]) id 0123456789abcdef0123456789abcdef\r\nSubject: hi\r\n\r\nbody\r\n");
  CHECK(h.messages[0].first.id == "0123456789abcdef0123456789abcdef");
}

TEST_CASE("smtp: a recipient check may answer later; pipelined commands wait for it", "[smtp]") {
  std::vector<std::string> asked;
  std::vector<std::string> bodies;
  SmtpSession session(
      "mx.example.lg.jp", {}, "192.0.2.1",
      [&](const std::string& r) {
        asked.push_back(r);
        return SmtpSession::kLater;
      },
      [&](Envelope e, mugai::daemon::MessageBody b) {
        bodies.push_back(std::to_string(e.recipients.size()) + ":" + b.readAll());
        return std::string("250 2.0.0 Ok");
      });
  std::string r = session.feed("EHLO c\r\nMAIL FROM:<a@x.example>\r\nRCPT TO:<u1@example.lg.jp>\r\nRCPT TO:<u2@example.lg.jp>\r\nDATA\r\n");
  CHECK(r.find("250 2.1.0 Ok") != std::string::npos);
  CHECK(session.waitingForRecipient());
  CHECK(session.pendingRecipient() == "u1@example.lg.jp");
  CHECK(asked.size() == 1);  // the second RCPT waits behind the first
  r = session.completeRecipient("550 5.1.1 <u1@example.lg.jp>: unknown");
  CHECK(r == "550 5.1.1 <u1@example.lg.jp>: unknown\r\n");
  CHECK(session.pendingRecipient() == "u2@example.lg.jp");
  r = session.completeRecipient("");
  CHECK(r == "250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
  CHECK(session.feed("x\r\n.\r\n") == "250 2.0.0 Ok\r\n");
  CHECK(bodies == std::vector<std::string>{"1:x\r\n"});
}
