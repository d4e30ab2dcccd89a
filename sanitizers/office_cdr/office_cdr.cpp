// See office_cdr.h.
#include "sanitizers/office_cdr/office_cdr.h"

#include <algorithm>
#include <map>

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

std::string summaryEn(std::size_t count, const std::string& from, const std::string& to) {
  std::string s = "Office document rebuilt without " + std::to_string(count) + " active element" + (count == 1 ? "" : "s");
  if (from != to) s += "; delivered as \"" + to + "\" (macro-free type)";
  return s;
}

std::string summaryJa(std::size_t count, const std::string& from, const std::string& to) {
  std::string s = "Office 文書から危険な要素 " + std::to_string(count) + " 件を取り除いて作り直しました";
  if (from != to) s += "（マクロなしの形式「" + to + "」として配送します）";
  return s;
}

// The same kind of element in the same place, listed up to kSameListed
// times and then once more as a count: a document with 100k links must
// not make a notice of 100k lines.
constexpr std::size_t kSameListed = 5;

std::vector<Removal> collapsed(std::vector<Removal> all) {
  std::map<std::pair<std::string, std::string>, std::size_t> seen;
  std::vector<Removal> out;
  std::map<std::pair<std::string, std::string>, std::size_t> more;
  for (auto& r : all) {
    const auto key = std::make_pair(r.code, r.where);
    if (++seen[key] <= kSameListed) out.push_back(std::move(r));
    else ++more[key];
  }
  for (const auto& [key, n] : more) {
    Removal sum;
    sum.code = key.first;
    sum.where = key.second;
    sum.type = "(more)";
    sum.detail = std::to_string(n) + " more of the same removed";
    sum.detailJa = "同じ種類の要素をさらに " + std::to_string(n) + " 件削除しました";
    out.push_back(std::move(sum));
  }
  return out;
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

// Which format a leaf is, is decided once, in run(): detection walks a
// ZIP's central directory or a compound file's structure, and doing it here
// too read every archive and OLE2 file twice. A leaf of no office format
// is kept there (cleanAny's Format::None).
bool OfficeCdr::accepts(const Node& node) const {
  return node.kind == NodeKind::Leaf && !node.content().empty();
}

Decision OfficeCdr::run(const Node& node, ScanContext& ctx) {
  const Format f = formatOf(node);
  Result r = cleanAny(f, node.content(), options_, ctx);
  // The protection taken off (encrypted = "password") is not an active element.
  const bool unprotected = std::any_of(r.removals.begin(), r.removals.end(),
                                       [](const Removal& x) { return x.code == "office.encryption_removed"; });
  const std::size_t count = r.removals.size() - (unprotected ? 1 : 0);
  r.removals = collapsed(std::move(r.removals));
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
  std::string en = summaryEn(count, node.filename, newName), ja = summaryJa(count, node.filename, newName);
  if (unprotected) {
    en += "; password protection removed";
    ja += "（パスワード保護を外しました）";
  }
  Decision d = Decision::replace(Replacement{std::move(r.bytes), type, "", newName}, "office.cleaned", en, ja);
  for (std::size_t i = 0; i < r.removals.size(); ++i) d.children.push_back(removalNode(node, i, r.removals[i]));
  return d;
}

}  // namespace mugai::sanitizers::office_cdr
