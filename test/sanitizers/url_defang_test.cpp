// url_defang: links in text parts, in the part's own charset.
#include <catch2/catch_test_macros.hpp>

#include "core/charset/charset.h"
#include "core/mail_job.h"
#include "sanitizers/html_to_text/html_to_text.h"
#include "sanitizers/url_defang/url_defang.h"
#include "test/common/corpus.h"

using namespace mugai;

namespace {
MailOutcome defang(const std::string& mail, bool withHtml = false) {
  std::vector<SanitizerPtr> v;
  if (withHtml) v.push_back(std::make_unique<sanitizers::html_to_text::HtmlToText>(sanitizers::html_to_text::Options{}));
  v.push_back(std::make_unique<sanitizers::url_defang::UrlDefang>(UrlMode::Defang));
  return processMail(mail, test::defaultConfig(), Pipeline(std::move(v)), "u");
}
const Node* body(const MailOutcome& o) { return test::firstLeaf(*o.input.root); }
}  // namespace

TEST_CASE("URLs in a Japanese text part are defanged, the charset kept", "[url_defang]") {
  std::string text = *charset::fromUtf8("詳細は https://www.example.co.jp/info?a=1。\r\nまたは www.example.jp まで\r\n", "ISO-2022-JP");
  auto o = defang("Subject: u\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n" + text);
  const Node* b = body(o);
  REQUIRE(b->replacement);
  CHECK(charset::canonical(b->replacement->charset) == "iso-2022-jp");
  CHECK(charset::decodeText(b->replacement->bytes, b->replacement->charset) ==
        "詳細は hxxps://www[.]example[.]co[.]jp/info?a=1。\r\nまたは www[.]example[.]jp まで\r\n");
  CHECK(b->reasonCode == "url.defanged");
}

TEST_CASE("text without links is not touched", "[url_defang]") {
  auto o = defang("Subject: u\r\nContent-Type: text/plain\r\n\r\nno links here, just example.com text\r\n");
  CHECK(o.verdict == Verdict::Unchanged);
}

TEST_CASE("links written as text inside HTML are defanged after conversion", "[url_defang][html]") {
  auto o = defang("Subject: u\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>Go to http://evil.example/x now</p>\r\n", true);
  const Node* b = body(o);
  REQUIRE(b->replacement);
  CHECK(b->replacement->bytes == "Go to hxxp://evil[.]example/x now\n");
  CHECK(b->reasonCode == "html.converted");
}

TEST_CASE("IDN links show both spellings", "[url_defang]") {
  CHECK(neutraliseUrlsInText("see http://xn--r8jz45g.xn--zckzah/ ok", UrlMode::Defang) ==
        "see hxxp://例え[.]テスト (xn--r8jz45g[.]xn--zckzah)/ ok");
  CHECK(neutraliseUrlsInText("a https://x.example/b) c", UrlMode::Remove) == "a (URL 削除 / URL removed)) c");
}

TEST_CASE("[stage.url_defang] config", "[url_defang][config]") {
  Config sample = loadConfigFile(std::string(MUGAI_SOURCE_DIR) + "/samples/mugai.toml");
  CHECK(sanitizers::url_defang::parseMode(test::stageOptions(sample, "url_defang"), "s") == UrlMode::Defang);
  auto c = parseConfig("[pipeline]\nstages = [\"url_defang\"]\n[stage.url_defang]\nurls = \"blur\"\n", "d.toml");
  CHECK_THROWS(sanitizers::url_defang::parseMode(*c.stages[0].options, "d.toml"));
}
