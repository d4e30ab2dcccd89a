// The rebuilt message: headers, line endings, embedded messages, notice
// charset.
#include <catch2/catch_test_macros.hpp>

#include "core/charset/charset.h"
#include "core/mime_encode.h"
#include "core/mime_parser.h"
#include "test/common/corpus.h"
#include "test/common/python_judge.h"
#include "test/common/test_sanitizers.h"

using namespace mugai;
using namespace mugai::test;

namespace {
std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}
MailOutcome stripExe(std::string bytes) { return runStage(std::move(bytes), std::make_unique<RemoveBySuffix>(".exe")); }
}  // namespace

TEST_CASE("top-level headers: one of each singleton, no forged X-Mugai, ours added", "[rebuild]") {
  std::string in =
      "From: a@example.jp\r\nFrom: evil@example.com\r\nSubject: one\r\nSubject: two\r\nReceived: x\r\nReceived: y\r\n"
      "X-Mugai-Result: unchanged\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nbody\r\n";
  auto o = runIdentity(in);
  CHECK(count(o.output, "\r\nFrom: ") + (o.output.rfind("From: ", 0) == 0) == 1);
  CHECK(o.output.find("From: a@example.jp") != std::string::npos);
  CHECK(count(o.output, "Subject: ") == 1);
  CHECK(count(o.output, "Received: ") == 2);  // trace fields are not singletons
  CHECK(count(o.output, "X-Mugai-Result: ") == 1);
  CHECK(count(o.output, "MIME-Version: ") == 1);
  CHECK(o.output.find("X-Mugai-Id: 00000000000000000000000000000000") != std::string::npos);
}

TEST_CASE("LF-only input stays LF-only", "[rebuild]") {
  std::string in =
      "From: a@example.jp\nSubject: lf\nContent-Type: multipart/mixed; boundary=q\n\n--q\nContent-Type: text/plain\n\nhi\n"
      "--q\nContent-Type: application/octet-stream; name=x.exe\n\nMZ\n--q--\n";
  auto o = stripExe(in);
  REQUIRE(o.verdict == Verdict::Changed);
  CHECK(o.output.find('\r') == std::string::npos);
}

TEST_CASE("an attachment inside an attached message is removed, the message kept", "[rebuild]") {
  std::string in =
      "From: a@example.jp\r\nSubject: fwd\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n"
      "--o\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
      "--o\r\nContent-Type: message/rfc822\r\n\r\n"
      "From: c@example.jp\r\nSubject: inner\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n"
      "--i\r\nContent-Type: text/plain\r\n\r\ninner text\r\n"
      "--i\r\nContent-Type: application/octet-stream; name=\"in.exe\"\r\n\r\nMZ inner\r\n--i--\r\n"
      "--o--\r\n";
  auto o = stripExe(in);
  REQUIRE(o.verdict == Verdict::Changed);
  CHECK(o.output.find("MZ inner") == std::string::npos);
  CHECK(o.output.find("inner text") != std::string::npos);
  CHECK(o.output.find("Subject: inner") != std::string::npos);
  auto again = parseMessage(o.output, Limits{}, std::chrono::steady_clock::now() + std::chrono::seconds(10));
  int messages = 0;
  again.root->forEach([&](const Node& n) { messages += n.kind == NodeKind::Message; });
  CHECK(messages == 2);
  CHECK(again.findings.empty());
}

TEST_CASE("the notice speaks the charset of the message's text when it can", "[rebuild][notice]") {
  std::string in =
      "From: a@example.jp\r\nSubject: jis\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n"
      "--o\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n\x1B$B8+@Q=q\x1B(B\r\n"
      "--o\r\nContent-Type: application/octet-stream; name=\"x.exe\"\r\n\r\nMZ\r\n--o--\r\n";
  auto o = stripExe(in);
  auto again = parseMessage(o.output, Limits{}, std::chrono::steady_clock::now() + std::chrono::seconds(10));
  const Node* notice = firstLeaf(*again.root);
  REQUIRE(notice);
  CHECK(notice->charset == "iso-2022-jp");
  CHECK(charset::toUtf8Strict(notice->decoded, notice->charset));  // valid in the charset it claims
  CHECK(charset::decodeText(notice->decoded, notice->charset).find("x.exe") != std::string::npos);
  CHECK(charset::decodeText(notice->decoded, notice->charset).find("削除") != std::string::npos);
}

TEST_CASE("a removed body leaves the notice as the whole message", "[rebuild][notice]") {
  std::string in = "From: a@example.jp\r\nSubject: only\r\nContent-Type: application/octet-stream; name=\"a.exe\"\r\n\r\nMZ\r\n";
  auto o = stripExe(in);
  CHECK(o.output.find("MZ\r\n") == std::string::npos);
  CHECK(o.output.find("Content-Type: text/plain") != std::string::npos);
  CHECK(o.output.find("Subject: only") != std::string::npos);
}

TEST_CASE("a base64-encoded message/rfc822 is opened, not passed as an opaque leaf", "[rebuild][hostile]") {
  std::string inner =
      "From: c@example.jp\r\nSubject: inner\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n"
      "--i\r\nContent-Type: text/plain\r\n\r\ninner text\r\n"
      "--i\r\nContent-Type: application/octet-stream; name=\"in.exe\"\r\n\r\nMZ inner\r\n--i--\r\n";
  std::string in = "From: a@example.jp\r\nSubject: fwd\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n"
                   "--o\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
                   "--o\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                   encodeBase64Lines(inner, "\r\n") + "--o--\r\n";
  SECTION("unchanged, it goes out as its rebuilt form in 7bit, as RFC 2046 5.2.1 requires") {
    auto o = runIdentity(in);
    CHECK(o.verdict == Verdict::Unchanged);
    CHECK(o.output.find(encodeBase64Lines(inner, "\r\n")) == std::string::npos);
    CHECK(o.output.find("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 7bit\r\n\r\nFrom: c@example.jp") !=
          std::string::npos);
    auto py = readWithPython(o.output);
    CHECK(py.defects.empty());
    CHECK(py.hasPart("application/octet-stream:in.exe"));  // Python sees the inner parts, not a text leaf
  }
  SECTION("the attachment inside is seen and removed; the rest is re-encoded") {
    auto o = stripExe(in);
    REQUIRE(o.verdict == Verdict::Changed);
    auto again = parseMessage(o.output, Limits{}, std::chrono::steady_clock::now() + std::chrono::seconds(10));
    bool sawInnerText = false;
    again.root->forEach([&](const Node& n) {
      CHECK(n.filename != "in.exe");
      sawInnerText = sawInnerText || n.decoded.find("inner text") != std::string::npos;
    });
    CHECK(sawInnerText);
    CHECK(o.output.find("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 7bit\r\n") != std::string::npos);
    auto py = readWithPython(o.output);
    CHECK(py.defects.empty());
    CHECK(py.hasPart("message/rfc822"));
    CHECK_FALSE(py.hasFile("in.exe"));
  }
}

TEST_CASE("a nested message is always sent on in 7bit or 8bit, with no line over 998 octets", "[rebuild][encoding]") {
  auto wrap = [](const std::string& inner, const std::string& cte) {
    return "From: a@example.jp\r\nSubject: fwd\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n"
           "--o\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
           "--o\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: " +
           cte + "\r\n\r\n" + (cte == "base64" ? encodeBase64Lines(inner, "\r\n") : inner) + "--o--\r\n";
  };
  SECTION("8-bit content inside a base64 one is labelled 8bit") {
    std::string inner = "From: c@example.jp\r\nSubject: i\r\nContent-Type: text/plain; charset=utf-8\r\n"
                        "Content-Transfer-Encoding: 8bit\r\n\r\n本文です\r\n";
    auto o = runIdentity(wrap(inner, "base64"));
    CHECK(o.output.find("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n") != std::string::npos);
    CHECK(o.output.find("本文です") != std::string::npos);
    CHECK(readWithPython(o.output).defects.empty());
  }
  SECTION("a body line of 2000 octets inside is re-encoded") {
    std::string inner = "From: c@example.jp\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" +
                        std::string(2000, 'x') + "\r\n";
    auto o = runIdentity(wrap(inner, "base64"));
    CHECK(o.output.find(std::string(999, 'x')) == std::string::npos);
    auto py = readWithPython(o.output);
    CHECK(py.defects.empty());
    CHECK(py.hasPart("text/plain"));
  }
  SECTION("a header line of 2000 octets inside is folded at a blank") {
    std::string words;
    for (int i = 0; i < 400; ++i) words += " w" + std::to_string(i);
    std::string inner = "From: c@example.jp\r\nX-Long:" + words + "\r\nContent-Type: text/plain\r\n\r\nhi\r\n";
    auto o = runIdentity(wrap(inner, "base64"));
    CHECK(o.output.find("w399") != std::string::npos);
    CHECK(readWithPython(o.output).defects.empty());
  }
  SECTION("a header line of 2000 octets without a blank is not written; in a Content-* field it removes the part") {
    std::string inner = "From: c@example.jp\r\nX-Long: " + std::string(2000, 'y') +
                        "\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n--i\r\nContent-Type: text/plain\r\n\r\nkept\r\n"
                        "--i\r\nContent-Type: application/octet-stream; name=\"" + std::string(2000, 'z') +
                        ".bin\"\r\n\r\nhidden\r\n--i--\r\n";
    auto o = runIdentity(wrap(inner, "base64"));
    CHECK(o.output.find("yyyy") == std::string::npos);
    CHECK(o.output.find("zzzz") == std::string::npos);
    CHECK(o.output.find("kept") != std::string::npos);
    bool critical = false;
    for (const auto& f : o.findings) critical = critical || (f.code == "mime.long_header_line" && f.critical);
    CHECK(critical);
    CHECK(readWithPython(o.output).defects.empty());
  }
}

TEST_CASE("the notice is valid in every charset it may be written in", "[rebuild][notice]") {
  // A removed file whose name cannot be written in the text's charset makes
  // the notice fall back to UTF-8; otherwise it follows the text.
  struct Case {
    const char* label;
    const char* filename;
    const char* expect;
  };
  for (const auto& c : {Case{"Shift_JIS", "請求書.exe", "cp932"}, Case{"EUC-JP", "請求書.exe", "euc-jp-ms"},
                        Case{"ISO-2022-JP", "😀.exe", "utf-8"}, Case{"us-ascii", "x.exe", "utf-8"}}) {
    INFO(c.label);
    std::string body = *charset::fromUtf8("本文", std::string(c.label) == "us-ascii" ? "utf-8" : c.label);
    std::string in = std::string("From: a@example.jp\r\nSubject: n\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n"
                                 "--o\r\nContent-Type: text/plain; charset=") + c.label + "\r\n\r\n" + body +
                     "\r\n--o\r\nContent-Type: application/octet-stream; name=\"" + c.filename + "\"\r\n\r\nMZ\r\n--o--\r\n";
    auto o = stripExe(in);
    auto again = parseMessage(o.output, Limits{}, std::chrono::steady_clock::now() + std::chrono::seconds(10));
    const Node* notice = firstLeaf(*again.root);
    REQUIRE(notice);
    CHECK(charset::canonical(notice->charset) == c.expect);
    auto text = charset::toUtf8Strict(notice->decoded, notice->charset);
    REQUIRE(text);
    CHECK(text->find(c.filename) != std::string::npos);
    CHECK(text->find("削除 / Removed") != std::string::npos);
  }
}
