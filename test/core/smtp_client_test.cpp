// The SMTP client's own guard: whoever calls it (release, delivery, DSNs,
// probes), an address that is not an RFC 5321 mailbox is never written on
// a command line. The callers check first; these tests call the client
// directly, so they fail if only the callers' checks stood.
#include <catch2/catch_test_macros.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/smtp_client.h"
#include "test/common/cli_run.h"
#include "test/common/smtp_sink.h"

namespace fs = std::filesystem;

namespace {

const std::string kMessage = "From: a@example.net\r\nSubject: hello\r\n\r\nhello\r\n";

mugai::SubmitOptions plain() {
  mugai::SubmitOptions o;
  o.tls = mugai::TlsPolicy::None;
  o.timeoutSeconds = 10;
  return o;
}

}  // namespace

TEST_CASE("smtp client: an invalid sender sends nothing at all", "[smtp_client][side-doors]") {
  fs::path d = mugai::test::freshTempDir("smtp-client-sender");
  mugai::test::SmtpSink sink(d / "sink");
  // A second transaction hidden in the sender, a NUL, an angle bracket.
  for (const std::string& from : {std::string("a@b.example>\r\nRCPT TO:<attacker@evil.example>\r\nDATA"),
                                  std::string("a\0b@x.example", 13), std::string("a>@x.example")}) {
    auto r = mugai::submitMail(sink.hostPort(), from, {"u@example.lg.jp"}, kMessage, plain());
    CHECK_FALSE(r.ok);
    CHECK(r.code == 553);
    CHECK(r.detail.find("invalid sender") != std::string::npos);
    REQUIRE(r.refused.size() == 1);
  }
  CHECK(sink.messages().empty());
  fs::remove_all(d);
}

TEST_CASE("smtp client: an invalid recipient is refused alone; the others get the message", "[smtp_client][side-doors]") {
  fs::path d = mugai::test::freshTempDir("smtp-client-rcpt");
  mugai::test::SmtpSink sink(d / "sink");
  mugai::SmtpClient client(sink.hostPort(), plain());
  const std::string hidden = "x@y.example>\r\nRCPT TO:<attacker@evil.example";
  auto r = client.submit("sender@example.net", {"u@example.lg.jp", hidden, "v\x1b@example.lg.jp"}, kMessage);
  CHECK(r.ok);
  CHECK(r.accepted == std::vector<std::string>{"u@example.lg.jp"});
  REQUIRE(r.refused.size() == 2);
  CHECK(r.refused[0].first == hidden);
  CHECK(r.refused[0].second.rfind("553 5.1.3", 0) == 0);
  // What the server saw: one message, to the valid recipient only.
  REQUIRE(sink.messages().size() == 1);
  auto env = nlohmann::json::parse(sink.envelope(1));
  CHECK(env["to"] == nlohmann::json::array({"u@example.lg.jp"}));
  CHECK(env["from"] == "sender@example.net");
  // No valid recipient at all: 553, nothing sent, and the connection still serves.
  auto none = client.submit("sender@example.net", {hidden}, kMessage);
  CHECK_FALSE(none.ok);
  CHECK(none.code == 553);
  CHECK(sink.messages().size() == 1);
  CHECK(client.submit("sender@example.net", {"w@example.lg.jp"}, kMessage).ok);
  CHECK(sink.messages().size() == 2);
  // A probe never sends an invalid address either.
  auto probe = client.verify(hidden);
  CHECK_FALSE(probe.ok);
  CHECK(probe.code == 553);
  fs::remove_all(d);
}
