// See html_render.h.
#include "sanitizers/html_to_text/html_render.h"

#include "sanitizers/libxml_init.h"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>

#include "core/node.h"
#include "sanitizers/html_to_text/text_builder.h"

namespace mugai::sanitizers::html_to_text {
namespace {

// One element's start tag as libxml2's SAX parser reports it: the name
// (lower case) and NULL-terminated name/value pairs.
struct Element {
  std::string_view tag;
  const xmlChar** attrs;

  const char* attr(std::string_view name) const {
    if (!attrs) return nullptr;
    for (const xmlChar** a = attrs; a[0]; a += 2)
      if (name == reinterpret_cast<const char*>(a[0])) return a[1] ? reinterpret_cast<const char*>(a[1]) : "";
    return nullptr;
  }
  std::string attrOr(std::string_view name) const {
    const char* v = attr(name);
    return v ? v : "";
  }
};

enum : unsigned { kSkip = 1, kParagraph = 2, kLine = 4 };

// What an element is for layout, by tag, in one hash lookup (the renderer
// asks at every start and end tag).
unsigned classify(std::string_view t) {
  static const std::unordered_map<std::string_view, unsigned> kTable = [] {
    std::unordered_map<std::string_view, unsigned> m;
    // Elements whose content is never shown as text.
    for (std::string_view n : {"script", "style", "head", "title", "noscript", "template", "iframe", "object", "embed",
                               "applet", "svg", "math", "select", "option", "textarea", "button", "input", "meta",
                               "link", "base", "frame", "frameset", "audio", "video", "canvas", "map"})
      m[n] = kSkip;
    for (std::string_view n : {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "hr", "dl", "ul",
                               "ol"})
      m[n] = kParagraph;
    for (std::string_view n : {"div", "li", "tr", "section", "article", "header", "footer", "nav", "address", "dd",
                               "dt", "center", "form", "fieldset", "figure", "figcaption", "main", "aside", "caption",
                               "summary", "details", "legend", "tbody", "thead", "tfoot"})
      m[n] = kLine;
    return m;
  }();
  auto it = kTable.find(t);
  return it == kTable.end() ? 0 : it->second;
}

bool skipped(const Element& e) {
  if (classify(e.tag) & kSkip) return true;
  if (!e.attrs) return false;
  if (e.attr("hidden")) return true;
  const char* rawStyle = e.attr("style");
  if (!rawStyle) return false;
  std::string style = toLower(rawStyle);
  style.erase(std::remove(style.begin(), style.end(), ' '), style.end());
  return style.find("display:none") != std::string::npos || style.find("visibility:hidden") != std::string::npos;
}

bool paragraphLike(std::string_view t) { return classify(t) & kParagraph; }
bool lineLike(std::string_view t) { return classify(t) & kLine; }

// One table being collected: rows of single-line cells.
struct Table {
  std::vector<std::vector<std::string>> rows;
};

std::string oneLine(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == '\n' || c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

bool blankCell(const std::string& c) {
  // Spacer cells hold nothing but blanks and no-break spaces.
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (c[i] == ' ' || c[i] == '\n' || c[i] == '\t') continue;
    if (c.compare(i, 2, "\xC2\xA0") == 0) {
      ++i;
      continue;
    }
    return false;
  }
  return true;
}

// Data tables (several columns of short, single-line cells) become aligned
// rows ("a  | b"). Everything else is a layout table — what most HTML mail
// is built of, spacer cells and all — and its cells read as blocks, in
// order, with their own line structure.
void layoutTable(const Table& t, TextBuilder& out) {
  constexpr std::size_t kMaxCell = 40;  // display columns
  std::size_t cols = 0;
  bool data = true;
  for (const auto& r : t.rows) {
    std::size_t filled = 0;
    for (const auto& c : r) {
      if (blankCell(c)) continue;
      ++filled;
      data = data && c.find('\n') == std::string::npos && displayWidth(c) <= kMaxCell;
    }
    cols = std::max(cols, filled);
  }
  if (cols <= 1 || !data) {
    for (const auto& r : t.rows)
      for (const auto& c : r)
        if (!blankCell(c)) {
          out.block(false);
          out.text(c, true);
        }
    return;
  }
  std::vector<std::size_t> width(cols, 0);
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : t.rows) {
    std::vector<std::string> cells;
    for (const auto& c : r) cells.push_back(oneLine(c));
    rows.push_back(std::move(cells));
  }
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size() && i < cols; ++i) width[i] = std::max(width[i], displayWidth(r[i]));
  out.block(true);
  for (const auto& r : rows) {
    bool any = false;
    for (const auto& c : r) any = any || !c.empty();
    if (!any) continue;
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (i) line += " | ";
      line += r[i];
      if (i + 1 < r.size() && i < cols) line += std::string(width[i] - displayWidth(r[i]), ' ');
    }
    out.block(false);
    out.text(line, true);
  }
  out.block(true);
}

class Renderer {
 public:
  explicit Renderer(UrlMode urls) : urls_(urls) { outputs_.emplace_back(); }

  // SAX callbacks (libxml2 closes implied and void elements itself, so
  // every start has its end).
  void start(const Element& e) {
    if (skipDepth_ > 0) {
      ++skipDepth_;
      return;
    }
    if (skipped(e)) {
      skipDepth_ = 1;
      return;
    }
    enter(e);
  }
  void end(std::string_view tag) {
    if (skipDepth_ > 0) {
      --skipDepth_;
      return;
    }
    leave(tag);
  }
  void characters(std::string_view text) {
    if (skipDepth_ == 0) out().text(text, pre_ > 0);
  }

  Rendered finish() {
    Rendered r;
    while (outputs_.size() > 1) outputs_.pop_back();  // cells of a table never closed
    r.text = outputs_.front().finish();
    if (!links_.empty()) {
      r.text += "\n";
      for (std::size_t i = 0; i < links_.size(); ++i)
        r.text += "[" + std::to_string(i + 1) + "] " + neutraliseUrl(links_[i], urls_) + "\n";
    }
    r.links = links_;
    r.disabledLinks = disabled_;
    return r;
  }

 private:
  TextBuilder& out() { return outputs_.back(); }

  void enter(const Element& e) {
    std::string_view t = e.tag;
    // A list inside a list item continues it; any other block opens.
    bool nestedList = (t == "ul" || t == "ol") && !lists_.empty();
    if (paragraphLike(t) && !nestedList) out().block(true);
    else if (lineLike(t) || nestedList) out().block(false);
    if (t == "br") out().lineBreak();
    else if (t == "hr") out().text("────────────────────", true);
    else if (t == "pre") ++pre_;
    else if (t == "blockquote") out().pushPrefix("> ");
    else if (t == "h1" || t == "h2") out().marker("■ ");
    else if (t.size() == 2 && t[0] == 'h' && t[1] >= '3' && t[1] <= '6') out().marker("◆ ");
    else if (t == "a") anchors_.push_back(e.attrOr("href"));
    else if (t == "ul" || t == "ol") {
      lists_.push_back({t == "ol", 0});
      if (lists_.size() > 1) out().pushPrefix("  ");
    } else if (t == "li") {
      if (lists_.empty() || !lists_.back().ordered) out().marker("・ ");
      else out().marker(std::to_string(++lists_.back().count) + ". ");
    } else if (t == "img") {
      image(e);
    } else if (t == "table") {
      tables_.emplace_back();
    } else if (t == "tr" && !tables_.empty()) {
      tables_.back().rows.emplace_back();
    } else if (t == "td" || t == "th") {
      // A cell writes into its own builder and remembers its table, so a
      // cell end can never land in another table (or in none).
      if (tables_.empty()) {
        cells_.push_back(kNoTable);
      } else {
        if (tables_.back().rows.empty()) tables_.back().rows.emplace_back();
        outputs_.emplace_back();
        cells_.push_back(tables_.size() - 1);
      }
    }
  }

  void closeCell() {
    std::size_t table = cells_.back();
    cells_.pop_back();
    if (table == kNoTable || outputs_.size() < 2) return;
    std::string cell = outputs_.back().finish();
    outputs_.pop_back();
    while (!cell.empty() && cell.back() == '\n') cell.pop_back();
    if (table >= tables_.size()) {  // its table is gone: the text still shows
      out().block(false);
      out().text(cell, true);
      return;
    }
    auto& rows = tables_[table].rows;
    if (rows.empty()) rows.emplace_back();
    rows.back().push_back(std::move(cell));
  }

  void leave(std::string_view t) {
    if (t == "a" && !anchors_.empty()) {
      link(anchors_.back());
      anchors_.pop_back();
    }
    if (t == "pre" && pre_ > 0) --pre_;
    else if (t == "blockquote") out().popPrefix();
    else if ((t == "ul" || t == "ol") && !lists_.empty()) {
      if (lists_.size() > 1) out().popPrefix();
      lists_.pop_back();
    } else if ((t == "td" || t == "th") && !cells_.empty()) {
      closeCell();
    } else if (t == "table" && !tables_.empty()) {
      // Cells of this table left open are closed with it.
      while (!cells_.empty() && cells_.back() != kNoTable && cells_.back() + 1 >= tables_.size()) closeCell();
      Table done = std::move(tables_.back());
      tables_.pop_back();
      layoutTable(done, out());
    }
    bool nestedList = (t == "ul" || t == "ol") && !lists_.empty();
    if (paragraphLike(t) && !nestedList) out().block(true);
    else if (lineLike(t) || nestedList) out().block(false);
  }

  void link(const std::string& href) {
    if (href.empty()) return;
    if (isDangerousUrl(href)) ++disabled_;
    auto it = std::find(links_.begin(), links_.end(), href);
    std::size_t number = it == links_.end() ? (links_.push_back(href), links_.size())
                                            : static_cast<std::size_t>(it - links_.begin()) + 1;
    out().word("[" + std::to_string(number) + "]", false);
  }

  void image(const Element& e) {
    // Tracking pixels say nothing to a reader.
    std::string w = e.attrOr("width"), h = e.attrOr("height");
    if (w == "1" || h == "1" || w == "0") return;
    std::string alt = oneLine(e.attrOr("alt"));
    out().word(alt.empty() ? "[画像]" : "[画像: " + alt + "]", true);
  }

  struct List {
    bool ordered;
    int count;
  };

  UrlMode urls_;
  std::vector<TextBuilder> outputs_;  // a stack: table cells write into their own
  std::vector<Table> tables_;
  std::vector<List> lists_;
  std::vector<std::string> anchors_;  // href of each open <a>
  std::vector<std::string> links_;
  int disabled_ = 0;
  int pre_ = 0;
  int skipDepth_ = 0;  // > 0 inside an element whose content is not shown
  static constexpr std::size_t kNoTable = static_cast<std::size_t>(-1);
  std::vector<std::size_t> cells_;  // open cells: index of their table, or kNoTable
};

void onStart(void* ctx, const xmlChar* name, const xmlChar** attrs) {
  auto* r = static_cast<Renderer*>(static_cast<xmlParserCtxt*>(ctx)->_private);
  r->start({name ? reinterpret_cast<const char*>(name) : "", attrs});
}
void onEnd(void* ctx, const xmlChar* name) {
  auto* r = static_cast<Renderer*>(static_cast<xmlParserCtxt*>(ctx)->_private);
  r->end(name ? reinterpret_cast<const char*>(name) : "");
}
void onCharacters(void* ctx, const xmlChar* ch, int len) {
  auto* r = static_cast<Renderer*>(static_cast<xmlParserCtxt*>(ctx)->_private);
  if (len > 0) r->characters(std::string_view(reinterpret_cast<const char*>(ch), static_cast<std::size_t>(len)));
}

struct CtxtFree {
  void operator()(htmlParserCtxt* c) const { htmlFreeParserCtxt(c); }
};

}  // namespace

Rendered renderHtml(std::string_view html, UrlMode urls) {
  initLibxml2();  // libxml_init.h: before any thread parses
  // libxml2's SAX interface: no DOM is built (that was most of the time and
  // memory), the renderer sees start tags, end tags and text in order.
  constexpr int kOptions = HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER |
                           HTML_PARSE_IGNORE_ENC | HTML_PARSE_COMPACT;
  Renderer renderer(urls);
  std::unique_ptr<htmlParserCtxt, CtxtFree> ctxt(
      htmlCreateMemoryParserCtxt(html.data(), static_cast<int>(html.size())));
  if (!ctxt) return renderer.finish();
  htmlSAXHandler* sax = ctxt->sax;
  std::memset(sax, 0, sizeof *sax);
  sax->startElement = onStart;
  sax->endElement = onEnd;
  sax->characters = onCharacters;
  sax->cdataBlock = onCharacters;
  sax->ignorableWhitespace = onCharacters;
  sax->initialized = 1;
  ctxt->_private = &renderer;
  htmlCtxtUseOptions(ctxt.get(), kOptions);
  xmlSwitchEncoding(ctxt.get(), XML_CHAR_ENCODING_UTF8);
  htmlParseDocument(ctxt.get());
  return renderer.finish();
}

}  // namespace mugai::sanitizers::html_to_text
