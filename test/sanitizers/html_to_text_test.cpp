// html_to_text: the renderer against hand-written expected text, the
// sanitizer's decisions, hostile HTML, and the HTML corpora.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

#include "core/charset/charset.h"
#include "core/mail_job.h"
#include "core/mime_encode.h"
#include "core/url_defang.h"
#include "sanitizers/html_to_text/html_render.h"
#include "sanitizers/html_to_text/html_to_text.h"
#include "test/common/corpus.h"

using namespace mugai;
using namespace mugai::sanitizers::html_to_text;

namespace {

std::string render(const std::string& html) { return renderHtml(html, UrlMode::Defang).text; }

MailOutcome convert(const std::string& mail, Options o = Options{}) {
  return test::runStage(mail, std::make_unique<HtmlToText>(o));
}

const Node* firstOfType(const Node& root, const std::string& type) {
  const Node* found = nullptr;
  root.forEach([&](const Node& n) {
    if (!found && n.kind == NodeKind::Leaf && n.declaredType == type) found = &n;
  });
  return found;
}

}  // namespace

TEST_CASE("paragraphs, line breaks, headings", "[html][render]") {
  CHECK(render("<h1>お知らせ</h1><p>一行目<br>二行目</p><p>次の段落</p>") ==
        "■ お知らせ\n\n一行目\n二行目\n\n次の段落\n");
  CHECK(render("<h3>Sub</h3>text") == "◆ Sub\n\ntext\n");
  CHECK(render("<div>a</div><div>b</div>") == "a\nb\n");
  CHECK(render("  lots   of\n\n spaces\t here  ") == "lots of spaces here\n");
}

TEST_CASE("lists with bullets and numbers, nested", "[html][render]") {
  CHECK(render("<ul><li>りんご</li><li>みかん<ol><li>one</li><li>two</li></ol></li></ul>") ==
        "・ りんご\n・ みかん\n  1. one\n  2. two\n");
}

TEST_CASE("tables as aligned rows; layout tables as paragraphs", "[html][render]") {
  CHECK(render("<table><tr><th>品目</th><th>数量</th></tr><tr><td>用紙</td><td>10</td></tr>"
               "<tr><td>トナー</td><td>2</td></tr></table>") ==
        "品目   | 数量\n用紙   | 10\nトナー | 2\n");
  CHECK(render("<table><tr><td>first block</td></tr><tr><td>second block</td></tr></table>") ==
        "first block\nsecond block\n");
}

TEST_CASE("blockquote, pre, entities, full-width space", "[html][render]") {
  CHECK(render("<p>返信:</p><blockquote><p>元の文</p><p>二段落</p></blockquote>") ==
        "返信:\n\n> 元の文\n>\n> 二段落\n");
  CHECK(render("<pre>  a  b\n   c</pre>") == "  a  b\n   c\n");
  CHECK(render("<p>&lt;tag&gt; &amp; &copy; &#x3042; &nbsp;x</p>") == "<tag> & © あ x\n");
  CHECK(render("<p>全角\u3000スペース</p>") == "全角\u3000スペース\n");
}

TEST_CASE("links become defanged footnotes; script links never usable", "[html][render][links]") {
  auto r = renderHtml("<p><a href=\"https://www.example.co.jp/login?id=1\">ログイン</a> and "
                      "<a href=\"javascript:alert(1)\">click</a> "
                      "<a href=\" DATA:text/html;base64,PHNjcmlwdD4=\">data</a> "
                      "<a href=\"https://www.example.co.jp/login?id=1\">again</a></p>",
                      UrlMode::Defang);
  CHECK(r.text ==
        "ログイン [1] and click [2] data [3] again [1]\n\n"
        "[1] hxxps://www[.]example[.]co[.]jp/login?id=1\n"
        "[2] (無効化したリンク / disabled link: javascript:)\n"
        "[3] (無効化したリンク / disabled link: data:)\n");
  CHECK(r.disabledLinks == 2);
  CHECK(renderHtml("<a href=\"http://a.example/\">x</a>", UrlMode::Remove).text == "x [1]\n\n[1] (URL 削除 / URL removed)\n");
  CHECK(renderHtml("<a href=\"vbscript:x\">x</a>", UrlMode::Leave).text.find("vbscript:x") == std::string::npos);
}

TEST_CASE("IDN hosts are shown both as Unicode and as xn--", "[html][links]") {
  CHECK(neutraliseUrl("https://xn--r8jz45g.xn--zckzah/a", UrlMode::Defang) ==
        "hxxps://例え[.]テスト (xn--r8jz45g[.]xn--zckzah)/a");
  CHECK(neutraliseUrl("http://例え.テスト/", UrlMode::Defang) == "hxxp://例え[.]テスト (xn--r8jz45g[.]xn--zckzah)/");
  CHECK(neutraliseUrl("https://user@evil.example:8443/x", UrlMode::Defang) == "hxxps://user@evil[.]example:8443/x");
}

TEST_CASE("images, tracking pixels, and what never shows", "[html][render]") {
  CHECK(render("<p>ロゴ <img src=\"cid:logo\" alt=\"会社ロゴ\"> <img src=\"x\"></p>") == "ロゴ [画像: 会社ロゴ] [画像]\n");
  CHECK(render("<img src=\"https://t.example/p.gif\" width=\"1\" height=\"1\">本文") == "本文\n");
  CHECK(render("<html><head><title>T</title><style>p{color:red}</style><script>evil()</script></head>"
               "<body><p>見える</p><div style=\"display: none\">隠し</div><span hidden>隠し2</span>"
               "<form><input type=\"hidden\" name=\"token\" value=\"secret\"><noscript>ns</noscript></form>"
               "<!-- comment --></body></html>") == "見える\n");
}

TEST_CASE("html_to_text decisions on multipart shapes", "[html][sanitizer]") {
  const std::string alt =
      "From: a@example.jp\r\nSubject: alt\r\nContent-Type: multipart/alternative; boundary=A\r\n\r\n"
      "--A\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n\x1B$B%F%-%9%H\x1B(B\r\n"
      "--A\r\nContent-Type: multipart/related; boundary=R\r\n\r\n"
      "--R\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>テキスト <img src=\"cid:i\"></p>\r\n"
      "--R\r\nContent-Type: image/png\r\nContent-ID: <i>\r\n\r\nPNG\r\n--R--\r\n--A--\r\n";
  SECTION("prefer_existing_text keeps the sender's text and drops HTML with its images") {
    auto o = convert(alt);
    CHECK(o.verdict == Verdict::Changed);
    const Node* html = firstOfType(*o.input.root, "text/html");
    REQUIRE(html);
    CHECK(html->reasonCode == "html.alternative_dropped");
    CHECK(firstOfType(*o.input.root, "image/png")->reasonCode == "html.related_resource");
    CHECK(o.output.find("<p>") == std::string::npos);
    CHECK(o.output.find("\x1B$B%F%-%9%H\x1B(B") != std::string::npos);
  }
  SECTION("always_convert replaces the HTML with text") {
    Options opt;
    opt.preferExistingText = false;
    auto o = convert(alt, opt);
    CHECK(firstOfType(*o.input.root, "text/html")->reasonCode == "html.converted");
    CHECK(o.output.find("<p>") == std::string::npos);
  }
}

TEST_CASE("HTML-only Japanese mail keeps its charset", "[html][sanitizer][japanese]") {
  for (const char* label : {"ISO-2022-JP", "Shift_JIS"}) {
    INFO(label);
    std::string body = *charset::fromUtf8("<html><body><p>請求書を送付します。①</p><p><a href=\"https://example.jp/\">こちら</a></p></body></html>", label);
    std::string mail = std::string("From: a@example.jp\r\nSubject: h\r\nContent-Type: text/html; charset=") + label +
                       "\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body + "\r\n";
    auto o = convert(mail);
    const Node* html = firstOfType(*o.input.root, "text/html");
    REQUIRE(html);
    REQUIRE(html->replacement);
    CHECK(charset::canonical(html->replacement->charset) == charset::canonical(label));
    CHECK(charset::decodeText(html->replacement->bytes, html->replacement->charset) ==
          "請求書を送付します。①\n\nこちら [1]\n\n[1] hxxps://example[.]jp/\n");
    auto again = test::runIdentity(o.output);
    CHECK(again.findings.empty());
  }
}

TEST_CASE("conflicting meta charset: the MIME label wins", "[html][hostile]") {
  std::string body = *charset::fromUtf8("<meta charset=\"Shift_JIS\"><p>日本語</p>", "ISO-2022-JP");
  auto o = convert("Subject: m\r\nContent-Type: text/html; charset=ISO-2022-JP\r\n\r\n" + body + "\r\n");
  const Node* html = firstOfType(*o.input.root, "text/html");
  REQUIRE(html->replacement);
  CHECK(charset::decodeText(html->replacement->bytes, html->replacement->charset) == "日本語\n");
}

TEST_CASE("hostile HTML stays bounded and yields text", "[html][hostile]") {
  SECTION("unclosed tags") { CHECK(render("<p><b><i><div><table><tr><td>x") == "x\n"); }
  SECTION("cells outside tables and tables opened inside cells (found by fuzzing)") {
    for (const char* h : {"<td>orphan<table><tr><td>in</table></td></td>", "<table><td>a<table></td>b</table>c</td>",
                          "<th>x</th></table></table><td>y", "<table><tr><td><table><tr><td>1<td>2</table><td>3</td>",
                          "<td><td><td><table></td></td></td>z"}) {
      INFO(h);
      CHECK(render(h).find_first_not_of(" \n|") != std::string::npos);
    }
  }
  SECTION("100k nesting levels") {
    std::string h;
    for (int i = 0; i < 100'000; ++i) h += "<div>";
    h += "deep";
    CHECK(render(h).size() < 100);
  }
  SECTION("misnested inline tags x20k") {
    std::string h;
    for (int i = 0; i < 20'000; ++i) h += "<b><i>x</b></i>";
    CHECK(render(h).find("xxx") != std::string::npos);
  }
  SECTION("1M spans") {
    std::string h;
    h.reserve(14'000'000);
    for (int i = 0; i < 1'000'000; ++i) h += "<span>a</span>";
    CHECK(render(h).size() >= 1'000'000);
  }
  SECTION("a 10 MB attribute") {
    std::string h = "<a href=\"https://x.example/" + std::string(10 << 20, 'a') + "\">l</a><p>after</p>";
    auto r = renderHtml(h, UrlMode::Defang);
    CHECK(r.text.find("after") != std::string::npos);
  }
  SECTION("invalid bytes in the declared charset") {
    auto o = convert("Subject: b\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>ok \xFF\xFE\xC3 bad</p>\r\n");
    const Node* html = firstOfType(*o.input.root, "text/html");
    REQUIRE(html->replacement);
    CHECK(charset::isValidUtf8(charset::decodeText(html->replacement->bytes, html->replacement->charset)));
  }
}

TEST_CASE("HTML corpora: no markup, script or CSS survives, every link is a defanged footnote", "[html][corpus]") {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const char* d : {"mailchimp-email-blueprints", "postmark-templates", "leemunroe-responsive-html-email-template",
                        "mimekit/UnitTests/TestData/html", "gmime/tests/data/filters"})
    for (const auto& e : fs::recursive_directory_iterator(test::corpora() / d))
      if (e.is_regular_file() && (e.path().extension() == ".html" || e.path().extension() == ".htm" ||
                                  e.path().filename().string().find("html") != std::string::npos))
        files.push_back(e.path());
  REQUIRE(files.size() > 120);
  const std::regex tagLike(R"(<\s*/?\s*(html|body|div|span|table|td|tr|p|a|img|script|style|br|head|meta|font)\b)",
                           std::regex::icase);
  const std::regex hrefRe(R"(href\s*=\s*["']\s*(https?)://([^/"'?#\s:]+))", std::regex::icase);
  int checkedLinks = 0;
  for (const auto& f : files) {
    INFO(f.string());
    std::string html = test::readFile(f);
    std::string text = renderHtml(charset::decodeText(html, charset::guess(html)), UrlMode::Defang).text;
    CHECK_FALSE(std::regex_search(text, tagLike));
    CHECK(text.find("font-family") == std::string::npos);
    CHECK(text.find("@media") == std::string::npos);
    CHECK(text.find("function(") == std::string::npos);
    // Independent of neutraliseUrl: the scheme becomes hxxp(s) and every
    // dot of the host is bracketed.
    for (auto it = std::sregex_iterator(html.begin(), html.end(), hrefRe); it != std::sregex_iterator(); ++it) {
      std::string host = (*it)[2];
      if (host.find('{') != std::string::npos || host.find('*') != std::string::npos) continue;  // template placeholders
      std::string bracketed;
      for (char c : host) bracketed += c == '.' ? std::string("[.]") : std::string(1, c);
      std::string scheme = toLower((*it)[1].str()) == "https" ? "hxxps://" : "hxxp://";
      CHECK(text.find(scheme) != std::string::npos);
      CHECK(toLower(text).find(toLower(bracketed)) != std::string::npos);
      ++checkedLinks;
    }
  }
  CHECK(checkedLinks > 100);
}

TEST_CASE("[stage.html_to_text] config", "[html][config]") {
  Config sample = loadConfigFile(std::string(MUGAI_SOURCE_DIR) + "/samples/mugai.toml");
  CHECK(parseOptions(test::stageOptions(sample, "html_to_text"), "s") == Options{});
  auto c = parseConfig("[pipeline]\nstages = [\"html_to_text\"]\n[stage.html_to_text]\nurls = \"hide\"\n", "u.toml");
  CHECK_THROWS_WITH(parseOptions(*c.stages[0].options, "u.toml"), Catch::Matchers::ContainsSubstring("u.toml:4"));
}

TEST_CASE("whole HTML mails read as hand-written expected text", "[html][corpus][expected]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(MUGAI_SOURCE_DIR) / "test/corpus/html_expected";
  std::ifstream index(dir / "INDEX.tsv");
  REQUIRE(index.good());
  int cases = 0;
  for (std::string line; std::getline(index, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> col;
    for (std::size_t a = 0, b; a <= line.size(); a = b + 1) {
      b = line.find('\t', a);
      if (b == std::string::npos) b = line.size();
      col.push_back(line.substr(a, b - a));
    }
    REQUIRE(col.size() == 4);
    INFO(col[0]);
    fs::path src = col[0].rfind("corpora:", 0) == 0 ? test::corpora() / col[0].substr(8)
                                                    : fs::path(MUGAI_SOURCE_DIR) / col[0].substr(5);
    std::string input = test::readFile(src);
    if (col[1] == "html")
      input = "Subject: x\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
              encodeBase64Lines(input, "\r\n");
    Options opt;
    opt.preferExistingText = col[1] != "mail-convert";
    auto o = convert(input, opt);
    const Node* html = firstOfType(*o.input.root, "text/html");
    REQUIRE(html);
    REQUIRE(html->replacement);
    CHECK(charset::canonical(html->replacement->charset) == col[3]);
    CHECK(charset::decodeText(html->replacement->bytes, html->replacement->charset) == test::readFile(dir / col[2]));
    ++cases;
  }
  CHECK(cases >= 9);
}

TEST_CASE("an HTML part beside the sender's text: the text is what the recipient gets", "[html][corpus][expected]") {
  auto o = convert(test::readFile(test::corpora() / "generated-mail-ja/ja-15-alternative-mixed-charsets.eml"));
  const Node* text = firstOfType(*o.input.root, "text/plain");
  REQUIRE(text);
  CHECK(text->action == Action::Keep);
  CHECK(charset::decodeText(text->decoded, text->charset) == "テキスト版（Shift_JIS）\n");
  CHECK(firstOfType(*o.input.root, "text/html")->action == Action::Remove);
  CHECK(o.output.find("HTML版") == std::string::npos);
}
