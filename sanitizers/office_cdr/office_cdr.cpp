// See office_cdr.h.
#include "sanitizers/office_cdr/office_cdr.h"

#include "core/file_type.h"
#include "sanitizers/attachment_strip/name_checks.h"
#include "sanitizers/office_cdr/flat_formats.h"
#include "sanitizers/office_cdr/format.h"
#include "sanitizers/office_cdr/ole2.h"
#include "sanitizers/office_cdr/ooxml.h"
#include "sanitizers/office_cdr/rtf.h"

namespace mugai::sanitizers::office_cdr {
namespace {

Format formatOf(const Node& node) {
  return detectFormat(node.content(), attachment_strip::effectiveExtension(node.filename));
}

Result cleanAny(Format f, std::string_view bytes, const Options& o, ScanContext& ctx) {
  switch (f) {
    case Format::Ooxml: return cleanOoxml(bytes, o, ctx);
    case Format::Odf: return cleanOdf(bytes, o, ctx);
    case Format::Ole2: return cleanOle2(bytes, o, ctx);
    case Format::Rtf: return cleanRtf(bytes, o, ctx);
    case Format::FlatXml:
    case Format::Sylk:
    case Format::Csv: return cleanFlat(f, bytes, o, ctx);
    case Format::None: break;
  }
  return Result::clean();
}

// A removed element as a child of the document, so the notice and the
// report list it like an archive's removed entry.
NodePtr removalNode(const Node& doc, std::size_t index, const Removal& r) {
  auto n = std::make_unique<Node>();
  n->kind = NodeKind::Leaf;
  n->parent = const_cast<Node*>(&doc);  // re-set by the pipeline when it attaches the child
  n->path = (doc.path.empty() ? "" : doc.path + ".") + std::to_string(index + 1);
  n->depth = doc.depth + 1;
  n->filename = r.where.empty() ? doc.filename : r.where;
  n->declaredType = r.type;
  n->trueTypeCache = r.type;
  n->sha256Cache = "";
  n->releasedSize = r.size;
  n->action = Action::Remove;
  n->reasonCode = r.code;
  n->reason = r.detail;
  n->reasonJa = r.detailJa;
  n->decidedBy = "office_cdr";
  return n;
}

std::string summaryEn(const Result& r, const std::string& from, const std::string& to) {
  std::string s = "Office document rebuilt without " + std::to_string(r.removals.size()) + " active element" +
                  (r.removals.size() == 1 ? "" : "s");
  if (from != to) s += "; delivered as \"" + to + "\" (macro-free type)";
  return s;
}

std::string summaryJa(const Result& r, const std::string& from, const std::string& to) {
  std::string s = "Office 文書から危険な要素 " + std::to_string(r.removals.size()) + " 件を取り除いて作り直しました";
  if (from != to) s += "（マクロなしの形式「" + to + "」として配送します）";
  return s;
}

}  // namespace

std::string renamedFor(const std::string& name, const std::string& extension) {
  if (name.empty() || extension.empty()) return name;
  std::string base = name;
  while (!base.empty() && (base.back() == '.' || base.back() == ' ')) base.pop_back();  // Windows drops them
  const std::size_t dot = base.rfind('.');
  const std::size_t slash = base.find_last_of("/\\");
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash) && dot > 0) base.resize(dot);
  return base + "." + extension;
}

bool OfficeCdr::accepts(const Node& node) const {
  return node.kind == NodeKind::Leaf && !node.content().empty() && formatOf(node) != Format::None;
}

Decision OfficeCdr::run(const Node& node, ScanContext& ctx) {
  const Format f = formatOf(node);
  Result r = cleanAny(f, node.content(), options_, ctx);
  for (const auto& x : r.removals)
    ctx.addFinding({x.code, (x.where.empty() ? "" : x.where + ": ") + x.detail, node.path, false});
  switch (r.outcome) {
    case Outcome::Clean:
      return Decision::keep();
    case Outcome::Refuse: {
      if (r.removals.empty()) return Decision::remove("office.unreadable", "the document cannot be read", "文書を読み取れません");
      const Removal& why = r.removals.front();
      return Decision::remove(why.code, std::string(formatName(f)) + " document removed: " + why.detail,
                              why.detailJa.empty() ? "安全に無害化できない文書のため削除しました" : why.detailJa + "（文書ごと削除）");
    }
    case Outcome::Cleaned: break;
  }
  const std::string newName = renamedFor(node.filename, r.extension);
  std::string type = r.mimeType.empty() ? node.trueType() : r.mimeType;
  if (r.mimeType.empty() && !r.extension.empty()) type = typeFromExtension("x." + r.extension);
  Decision d = Decision::replace(Replacement{std::move(r.bytes), type, "", newName}, "office.cleaned",
                                 summaryEn(r, node.filename, newName), summaryJa(r, node.filename, newName));
  for (std::size_t i = 0; i < r.removals.size(); ++i) d.children.push_back(removalNode(node, i, r.removals[i]));
  return d;
}

}  // namespace mugai::sanitizers::office_cdr
