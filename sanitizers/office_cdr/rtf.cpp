// See rtf.h.
//
// How: one pass of rtf::Tokenizer over the bytes with an explicit stack of
// open groups (no recursion; depth capped at kMaxDepth). A group becomes an
// "element" to take out when a control word of its own level names an
// active destination: any word starting with "obj" (\object, \objdata,
// \objautlink, \*\objclass ...), \datastore, \template, \xmlnstbl; or a
// \field whose instruction names DDE / DDEAUTO / INCLUDE* / IMPORT / LINK /
// DATABASE (or whose name is computed by a nested field). Control words
// are matched whatever their case: Word is case-sensitive, other readers
// are not, and removing a group Word would not have run costs nothing.
// The rewrite copies the original bytes and only deletes spans: an element
// becomes "{" + the content of its \result (object) or \fldrslt (field)
// child + "}", or "{}" when it has none. Every deleted span starts right
// after a '{' or ends right before a '}', so no two kept tokens are glued
// into a new control word.
//
// Trust: the input is hostile. Nothing here allocates in proportion to the
// nesting (the stack is capped) or to a declared length (\bin is checked
// against the bytes left). The output is cleaned again until it is stable
// (at most kMaxPasses), so a Cleaned document, cleaned again, is Clean.
// Fails closed: deeper than kMaxDepth -> limit.rtf_depth; \bin past the end
// or in another case -> office.unreadable; an active element that is the
// document's own top group -> office.unreadable; more than kMaxElements ->
// limit.office_parts; deadline -> limit.time. Groups left open at the end
// are closed as Word closes them (the rewrite appends the missing '}').
#include "sanitizers/office_cdr/rtf.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "sanitizers/office_cdr/rtf_field.h"
#include "sanitizers/office_cdr/rtf_tokenizer.h"

namespace mugai::sanitizers::office_cdr {
namespace {

using rtf::nameIs;
using rtf::nameStarts;
using rtf::Token;
using rtf::TokenType;

constexpr std::size_t kMaxDepth = 10000;          // Word itself gives up after a few hundred levels
constexpr std::size_t kMaxElements = 1000;        // elements taken out of one document
constexpr std::size_t kCheckEvery = 4u << 20;     // bytes between two deadline checks
constexpr int kMaxPasses = 4;                     // clean the output until it is stable
constexpr std::size_t npos = std::string_view::npos;

enum class Kind : std::uint8_t { Plain, Field, Object, Datastore, Template, Schema };

bool isElementKind(Kind k) { return k != Kind::Plain && k != Kind::Field; }

// One open group. Kept small: up to kMaxDepth of them live at once.
struct Frame {
  std::size_t open = 0;         // offset of its '{'
  std::size_t keptStart = npos; // element: first byte kept (after \result / \fldrslt and its delimiter)
  std::size_t keptEnd = npos;   // element: one past the kept child's '}'
  std::int32_t field = -1;      // nearest field frame, this one or an ancestor
  std::int32_t owner = -1;      // nearest element frame (for \*\objclass names)
  std::int32_t sink = -1;       // frame whose instruction / label this group's text feeds
  std::int32_t uc = 1;          // \ucN: fallback characters after \uN
  std::int32_t skip = 0;        // fallback characters still to skip
  std::int32_t number = 0;      // "object N" / "field N"
  Kind kind = Kind::Plain;
  bool dead = false;            // inside an element's deleted part: no new elements
  bool starredBelowSink = false;// inside a \* group under the instruction group
  bool first = true;            // no token read yet at this level
  bool keptChild = false;       // this group is its parent's \result / \fldrslt
  bool instrGroup = false;      // \fldinst was read at this level (not inherited)
  bool computedName = false;    // field: a nested field comes before any name letter
  rtf::FieldName names[3];      // field: all text / without \* groups, fallbacks skipped / own level only
  std::array<char, 32> keyword{};
  std::uint8_t keywordLen = 0;
  std::array<char, 96> label{};
  std::uint8_t labelLen = 0;
};

struct Element {
  std::size_t a, b;  // the group [a, b): s[a] == '{', s[b-1] == '}'
  std::size_t k, e;  // kept child content [k, e-1), when kept
  bool kept;
  Removal removal;
};

struct Pass {
  Outcome outcome = Outcome::Clean;
  std::string bytes;
  std::vector<Removal> removals;
  Result refusal;
};

class Cleaner {
 public:
  Cleaner(std::string_view s, ScanContext& ctx, bool linksActive) : s_(s), ctx_(ctx), linksActive_(linksActive) {}
  Pass run();

 private:
  bool refuse(const char* code, std::string detail, std::string detailJa);
  void word(const Token& t);
  void symbol(const Token& t);
  void text(const Token& t);
  void feed(unsigned char c, bool fallbackAware);
  void openGroup(std::size_t at);
  void closeGroup(std::size_t at);
  void becomeElement(Kind k, std::string_view keyword);
  void addElement(const Frame& f, std::size_t close, Removal r);
  std::string rewrite(std::string_view src) const;
  std::vector<Removal> reported() const;

  std::string_view s_;
  ScanContext& ctx_;
  bool linksActive_;  // HYPERLINK fields go (hyperlinks policy)
  std::vector<Frame> stack_;
  std::vector<Element> elements_;
  int objects_ = 0, fields_ = 0, datastores_ = 0, templates_ = 0;
  bool failed_ = false;
  Result refusal_;
};

bool Cleaner::refuse(const char* code, std::string detail, std::string detailJa) {
  if (!failed_) refusal_ = Result::refuse(code, std::move(detail), std::move(detailJa));
  failed_ = true;
  return false;
}

void appendPrintable(std::array<char, 96>& buf, std::uint8_t& len, unsigned char c) {
  if (len >= buf.size() || c == '\r' || c == '\n') return;
  if (len == 0 && c == ' ') return;
  buf[len++] = (c < 0x20 || c >= 0x7f) ? '?' : static_cast<char>(c);  // hostile: ASCII only, masked later
}

// A text character of the current group, for a field instruction or an
// element's label. The first variant of the field name reads everything
// (fallbacks and \* groups too); the others read as Word does.
void Cleaner::feed(unsigned char c, bool fallbackAware) {
  Frame& f = stack_.back();
  const bool skipped = fallbackAware && f.skip > 0;
  if (fallbackAware && f.skip > 0) --f.skip;
  if (f.sink < 0) return;
  Frame& sink = stack_[static_cast<std::size_t>(f.sink)];
  if (sink.kind == Kind::Field) {
    sink.names[0].feed(c);
    if (skipped) return;
    if (!f.starredBelowSink) sink.names[1].feed(c);
    if (f.instrGroup) sink.names[2].feed(c);
  } else if (!skipped) {
    appendPrintable(sink.label, sink.labelLen, c);
  }
}

void Cleaner::openGroup(std::size_t at) {
  if (stack_.size() >= kMaxDepth) {
    refuse("limit.rtf_depth", "RTF groups nested deeper than " + std::to_string(kMaxDepth) + " levels",
           "RTF のグループの入れ子が深すぎます（" + std::to_string(kMaxDepth) + " 段を超えています）");
    return;
  }
  Frame child;
  if (!stack_.empty()) {
    Frame& p = stack_.back();
    p.skip = 0;
    p.first = false;
    child.field = p.field;
    child.owner = p.owner;
    child.sink = p.sink;
    child.uc = p.uc;
    child.dead = p.dead;
    child.starredBelowSink = p.starredBelowSink;
  }
  child.open = at;
  stack_.push_back(child);
}

void Cleaner::becomeElement(Kind k, std::string_view keyword) {
  Frame& f = stack_.back();
  if (isElementKind(f.kind)) return;  // the first active word names it
  f.kind = k;
  f.dead = true;
  f.owner = static_cast<std::int32_t>(stack_.size()) - 1;
  f.sink = k == Kind::Template ? f.owner : -1;  // a template's text is its path: shown in the notice
  f.labelLen = 0;
  f.keywordLen = 0;
  for (char c : keyword.substr(0, f.keyword.size()))
    f.keyword[f.keywordLen++] = static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
  switch (k) {
    case Kind::Object: f.number = ++objects_; break;
    case Kind::Datastore: f.number = ++datastores_; break;
    default: f.number = ++templates_; break;
  }
}

void Cleaner::word(const Token& t) {
  if (stack_.empty()) {
    // Outside every group (after the document's last '}'): Word reads no
    // further, but other readers might; an active word there is refused.
    if (nameStarts(t.name, "obj") || nameIs(t.name, "datastore") || nameIs(t.name, "template") ||
        nameIs(t.name, "xmlnstbl") || nameIs(t.name, "field"))
      refuse("office.unreadable", "active RTF control word outside every group",
             "RTF 文書のグループの外に危険な制御語があります");
    return;
  }
  const std::size_t here = stack_.size() - 1;
  Frame& f = stack_.back();
  f.first = false;
  if (f.skip > 0) --f.skip;  // a control word is one fallback character; it still counts below
  const std::string_view n = t.name;
  if (nameIs(n, "u") && t.hasParam) {
    std::int64_t cp = t.param < 0 ? t.param + 65536 : t.param;
    const unsigned char c = (cp > 0 && cp < 0x80) ? static_cast<unsigned char>(cp) : '?';
    feed(c, false);  // the code point itself is never a fallback
    f.skip = f.uc;
  } else if (nameIs(n, "uc") && t.hasParam) {
    f.uc = static_cast<std::int32_t>(std::clamp<std::int64_t>(t.param, 0, 1 << 20));
  } else if (nameStarts(n, "obj")) {
    if (!f.dead) {
      becomeElement(Kind::Object, n);
    } else if (nameIs(n, "objclass") && f.owner >= 0 &&
               stack_[static_cast<std::size_t>(f.owner)].kind == Kind::Object) {
      f.sink = f.owner;  // {\*\objclass Equation.3}: the label of the object
    }
  } else if (nameIs(n, "datastore")) {
    if (!f.dead) becomeElement(Kind::Datastore, n);
  } else if (nameIs(n, "template")) {
    if (!f.dead) becomeElement(Kind::Template, n);
  } else if (nameIs(n, "xmlnstbl")) {
    if (!f.dead) becomeElement(Kind::Schema, n);
  } else if (nameIs(n, "field")) {
    if (f.dead || f.kind != Kind::Plain) return;
    if (f.sink >= 0) {
      // A field inside an instruction before its name: the name is computed
      // ({ {QUOTE 68 68 69} ... } spells DDE), so the outer field is active.
      Frame& outer = stack_[static_cast<std::size_t>(f.sink)];
      if (outer.kind == Kind::Field && !outer.names[0].started() && !outer.names[1].started() &&
          !outer.names[2].started())
        outer.computedName = true;
    }
    f.kind = Kind::Field;
    f.number = ++fields_;
    f.field = static_cast<std::int32_t>(here);
    f.sink = -1;
  } else if (nameIs(n, "fldinst")) {
    if (!f.dead && f.field >= 0) {
      f.sink = f.field;
      f.starredBelowSink = false;
      f.instrGroup = true;
    }
  } else if (nameIs(n, "fldrslt") || nameIs(n, "result")) {
    if (here == 0 || f.keptChild) return;
    Frame& p = stack_[here - 1];
    const bool match = nameIs(n, "fldrslt") ? p.kind == Kind::Field : p.kind == Kind::Object;
    if (!match || p.keptStart != npos) return;
    p.keptStart = t.end;
    f.keptChild = true;
    f.dead = false;  // the picture / text shown in place of the element stays, and is itself checked
    f.owner = -1;
    f.sink = -1;
  }
}

void Cleaner::symbol(const Token& t) {
  if (stack_.empty()) return;
  Frame& f = stack_.back();
  if (t.symbol == '*' && f.first) f.starredBelowSink = true;  // reset by \fldinst in the same group
  f.first = false;
  switch (t.symbol) {
    case '\'': if (t.hexValid) feed(t.byte, true); else if (f.skip > 0) --f.skip; break;
    case '\\': case '{': case '}': feed(static_cast<unsigned char>(t.symbol), true); break;
    case '~': feed(' ', true); break;
    case '_': feed('-', true); break;
    default: if (f.skip > 0) --f.skip; break;  // \- \* \| \: \<newline>: no text
  }
}

void Cleaner::text(const Token& t) {
  if (stack_.empty()) return;
  Frame& f = stack_.back();
  f.first = false;
  if (f.sink < 0 && f.skip == 0) return;  // the common case: nothing to collect
  for (std::size_t i = t.begin; i < t.end; ++i) {
    const char c = s_[i];
    if (c == '\r' || c == '\n') continue;  // RTF ignores raw line breaks
    feed(static_cast<unsigned char>(c), true);
  }
}

Removal fieldRemoval(const Frame& f, bool linksActive) {
  const rtf::FieldVerdict v = rtf::judgeField(f.names, 3, f.computedName, linksActive);
  const std::string name = f.computedName ? std::string("name computed by a nested field") : v.name;
  const std::string where = "field " + std::to_string(f.number);
  if (v.kind == rtf::FieldKind::Dde)
    return {"office.dde_removed", where, "RTF field (" + name + ")",
            "DDE field removed (it can start programs); the text it showed is kept",
            "DDE フィールドを削除しました（プログラムを起動できるため）。表示されていた文字は残しています", 0};
  if (v.kind == rtf::FieldKind::Hyperlink)
    return {"office.hyperlink_removed", where, "RTF field (HYPERLINK)", "hyperlink removed (its text stays)",
            "ハイパーリンクを削除しました（文字は残しています）", 0};
  return {"office.field_removed", where, "RTF field (" + name + ")",
          "field that fetches or runs outside content removed; the text it showed is kept",
          "外部の内容を読み込む・実行するフィールドを削除しました。表示されていた文字は残しています", 0};
}

Removal elementRemoval(const Frame& f, bool kept) {
  const std::string label(f.label.data(), f.labelLen);
  const std::string kw(f.keyword.data(), f.keywordLen);
  const std::string n = std::to_string(f.number);
  switch (f.kind) {
    case Kind::Object:
      return {"office.rtf_object_removed", "object " + n, "RTF \\" + kw + (label.empty() ? "" : " (" + label + ")"),
              kept ? "embedded or linked OLE object removed; its preview is kept" : "embedded or linked OLE object removed",
              kept ? "埋め込み／リンクされた OLE オブジェクトを削除しました（プレビュー表示は残しています）"
                   : "埋め込み／リンクされた OLE オブジェクトを削除しました",
              0};
    case Kind::Datastore:
      return {"office.rtf_datastore_removed", "datastore " + n, "RTF \\*\\datastore",
              "RTF data store (hidden embedded data) removed", "RTF のデータストア（隠れた埋め込みデータ）を削除しました", 0};
    case Kind::Template:
      return {"office.rtf_template_removed", "template " + n,
              "RTF \\*\\template" + (label.empty() ? std::string() : " (" + label + ")"),
              "reference to an attached template removed (it can load a template from elsewhere)",
              "添付テンプレートへの参照を削除しました（外部からテンプレートを読み込めるため）", 0};
    default:
      return {"office.rtf_template_removed", "template " + n, "RTF \\*\\xmlnstbl",
              "XML schema references removed (they can load schemas from elsewhere)",
              "XML スキーマへの参照を削除しました（外部から読み込めるため）", 0};
  }
}

void Cleaner::addElement(const Frame& f, std::size_t close, Removal r) {
  if (stack_.size() == 1)
    refuse("office.unreadable", "the RTF document's own top group is an active element",
           "RTF 文書の最上位のグループ自体が危険な要素のため、切り出せません");
  if (elements_.size() >= kMaxElements)
    refuse("limit.office_parts", "more than " + std::to_string(kMaxElements) + " active elements in one RTF document",
           "RTF 文書の中の危険な要素が多すぎます（" + std::to_string(kMaxElements) + " 件を超えています）");
  if (failed_) return;
  Element el{f.open, close + 1, f.keptStart, f.keptEnd, f.keptStart != npos && f.keptEnd != npos, std::move(r)};
  el.removal.size = el.b - el.a;
  elements_.push_back(std::move(el));
}

void Cleaner::closeGroup(std::size_t at) {
  if (stack_.empty()) return;  // a stray '}' after the end: Word ignores it
  const Frame& f = stack_.back();
  if (f.keptChild && stack_.size() >= 2) stack_[stack_.size() - 2].keptEnd = at + 1;
  if (isElementKind(f.kind)) {
    addElement(f, at, elementRemoval(f, f.keptStart != npos && f.keptEnd != npos));
  } else if (f.kind == Kind::Field) {
    if (f.computedName || rtf::judgeField(f.names, 3, false, linksActive_).kind != rtf::FieldKind::Harmless)
      addElement(f, at, fieldRemoval(f, linksActive_));
  }
  stack_.pop_back();
  if (!stack_.empty()) stack_.back().skip = 0;
}

// An element nested in another one's deleted part goes with it and is not
// reported twice. Elements are groups: nested or disjoint.
std::vector<Removal> Cleaner::reported() const {
  std::vector<const Element*> order;
  for (const auto& e : elements_) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const Element* x, const Element* y) { return x->a < y->a; });
  std::vector<Removal> out;
  for (const Element* r : order) {
    bool covered = false;
    for (const Element* o : order) {
      if (o == r || o->a >= r->a || o->b < r->b) continue;  // not an enclosing element
      covered = o->kept ? (r->a < o->k || r->a >= o->e - 1) : true;
      if (covered) break;
    }
    if (!covered) out.push_back(r->removal);
  }
  return out;
}

std::string Cleaner::rewrite(std::string_view src) const {
  std::vector<std::pair<std::size_t, std::size_t>> cut;
  for (const auto& e : elements_) {
    if (e.kept) {
      cut.emplace_back(e.a + 1, e.k);
      cut.emplace_back(e.e - 1, e.b - 1);
    } else {
      cut.emplace_back(e.a + 1, e.b - 1);  // "{}" stays: nothing before and after is glued together
    }
  }
  std::sort(cut.begin(), cut.end());
  std::string out;
  out.reserve(src.size());
  std::size_t at = 0;
  for (const auto& [from, to] : cut) {
    if (to <= at) continue;
    if (from > at) out.append(src.substr(at, from - at));
    at = std::max(at, to);
  }
  if (at < src.size()) out.append(src.substr(at));
  return out;
}

Pass Cleaner::run() {
  rtf::Tokenizer tok(s_);
  std::size_t nextCheck = kCheckEvery;
  stack_.reserve(64);
  for (;;) {
    const Token t = tok.next();
    if (t.type == TokenType::End) break;
    if (t.begin >= nextCheck) {
      nextCheck += kCheckEvery;
      if (ctx_.expired()) refuse("limit.time", "time limit reached while reading the RTF document",
                                 "RTF 文書の検査中に制限時間を超えました");
    }
    switch (t.type) {
      case TokenType::GroupOpen: openGroup(t.begin); break;
      case TokenType::GroupClose: closeGroup(t.begin); break;
      case TokenType::Word: word(t); break;
      case TokenType::Symbol: symbol(t); break;
      case TokenType::Text: text(t); break;
      case TokenType::Bin:
        if (!stack_.empty()) {
          stack_.back().first = false;
          if (stack_.back().skip > 0) --stack_.back().skip;
        }
        break;
      case TokenType::Error:
        refuse("office.unreadable", t.error, "RTF 文書のバイナリデータ（\\bin）が壊れています");
        break;
      case TokenType::End: break;
    }
    if (failed_) break;
  }
  // Groups still open at the end: closed as a reader closes them, at
  // virtual '}'s the rewrite appends.
  std::size_t padding = 0;
  while (!failed_ && !stack_.empty()) closeGroup(s_.size() + padding++);
  Pass p;
  if (failed_) {
    p.outcome = Outcome::Refuse;
    p.refusal = std::move(refusal_);
    return p;
  }
  if (elements_.empty()) return p;
  p.outcome = Outcome::Cleaned;
  p.removals = reported();
  if (padding == 0) {
    p.bytes = rewrite(s_);
  } else {
    std::string padded(s_);
    padded.append(padding, '}');
    p.bytes = rewrite(padded);
  }
  return p;
}

}  // namespace

Result cleanRtf(std::string_view bytes, const Options& options, ScanContext& ctx) {
  std::string current;
  std::vector<Removal> removals;
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    Pass p = Cleaner(pass == 0 ? bytes : std::string_view(current), ctx, options.hyperlinks != LinkPolicy::Keep).run();
    if (p.outcome == Outcome::Refuse) return std::move(p.refusal);
    if (p.outcome == Outcome::Clean) {
      if (pass == 0) return Result::clean();
      if (!ctx.chargeDecoded(current.size()))
        return Result::refuse("limit.decoded_bytes", "rebuilt RTF document over the decoded-bytes budget",
                              "作り直した RTF 文書が展開データ量の上限を超えました");
      Result r;
      r.outcome = Outcome::Cleaned;
      r.bytes = std::move(current);
      r.removals = std::move(removals);
      r.mimeType = "text/rtf";
      return r;
    }
    // A removal can reveal another (the text of two kept results meeting):
    // clean the output again until nothing more comes out.
    for (auto& r : p.removals) removals.push_back(std::move(r));
    current = std::move(p.bytes);
  }
  return Result::refuse("office.unreadable", "the RTF document did not reach a stable cleaned form",
                        "RTF 文書を安定した形に無害化できませんでした");
}

}  // namespace mugai::sanitizers::office_cdr
