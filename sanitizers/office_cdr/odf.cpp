// ODF half of ooxml.h (cleanOdf). An OpenDocument package is rebuilt
// without: macro libraries (Basic/, Scripts/), embedded objects (OLE blobs
// and embedded sub-documents, charts included, "Object N[/...]": their
// ObjectReplacements picture stays in the frame), event bindings that call
// scripts, DDE links, sections and tables linked to outside files, linked
// (not embedded) pictures, and hyperlinks under `hyperlinks` (macro: and
// vnd.sun.star.script: links always go), macro fields (text:execute-macro,
// its text stays), scripts, DDE/WEBSERVICE formulas (the value stays). The
// manifest loses the removed parts; the entry order (so "mimetype" first and
// stored, where it was) and untouched parts are copied as they were.
#include "core/node.h"
#include "core/url_defang.h"
#include "sanitizers/office_cdr/ooxml.h"
#include "sanitizers/office_cdr/ooxml_rules.h"
#include "sanitizers/office_cdr/package.h"
#include "sanitizers/office_cdr/xml_part.h"

namespace mugai::sanitizers::office_cdr {
namespace {

constexpr std::string_view kNsOffice = "urn:oasis:names:tc:opendocument:xmlns:office:1.0";
constexpr std::string_view kNsText = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";
constexpr std::string_view kNsDraw = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0";
constexpr std::string_view kNsTable = "urn:oasis:names:tc:opendocument:xmlns:table:1.0";
constexpr std::string_view kNsXlink = "http://www.w3.org/1999/xlink";
constexpr std::string_view kNsManifest = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0";

bool isInternalHref(std::string_view h) {
  return h.empty() || h.front() == '#' || startsWithIgnoreCase(h, "./") ||
         (h.find(':') == std::string_view::npos && h.find('\\') == std::string_view::npos && h.front() != '/');
}

bool isScriptUrl(std::string_view h) {
  return startsWithIgnoreCase(h, "macro:") || startsWithIgnoreCase(h, "vnd.sun.star.script:") || startsWithIgnoreCase(h, "vnd.sun.star.basic:") ||
         isDangerousUrl(h);
}

bool isBinaryProgram(std::string_view b) {
  return b.substr(0, 2) == "MZ" || b.substr(0, 4) == std::string_view("\x7F" "ELF", 4) ||
         b.substr(0, 4) == std::string_view("PK\x03\x04", 4) ||
         b.substr(0, 8) == std::string_view("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
}

bool looksXml(std::string_view b) {
  if (b.substr(0, 3) == "\xEF\xBB\xBF") b.remove_prefix(3);
  const std::size_t i = b.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && b[i] == '<';
}

using Verdict = PartVerdict;
constexpr Verdict kMacro{"office.vba_removed", "macro library removed (LibreOffice Basic / scripts)",
                         "マクロ（LibreOffice Basic・スクリプト）を削除しました"};
constexpr Verdict kObject{"office.ole_object_removed", "embedded object removed (its picture stays)",
                          "埋め込みオブジェクトを削除しました（表示用の画像は残しています）"};
constexpr Verdict kUnknown{"office.unknown_part_removed", "a program or container hidden in the document removed",
                           "文書に含まれていたプログラム・書庫を削除しました"};
constexpr Verdict kEvent{"office.action_removed", "event that runs a macro or script removed",
                         "マクロ・スクリプトを実行するイベント設定を削除しました"};
constexpr Verdict kDde{"office.dde_removed", "DDE link removed", "DDE リンクを削除しました"};
constexpr Verdict kExternal{"office.external_relationship_removed", "link to an outside file or picture removed",
                            "外部ファイル・画像への参照を削除しました"};
constexpr Verdict kLink{"office.hyperlink_removed", "hyperlink removed (its text stays)",
                        "ハイパーリンクを削除しました（文字は残しています）"};

class OdfCleaner {
 public:
  OdfCleaner(Package& pkg, const Options& o, ScanContext& ctx) : pkg_(pkg), o_(o), ctx_(ctx) {}
  Result run();

 private:
  void add(const Verdict& v, std::string where, std::string type, std::string extra, std::uint64_t size = 0) {
    if (extra.size() > 160) extra = extra.substr(0, 157) + "...";
    removals_.push_back({v.code, std::move(where), std::move(type), extra.empty() ? v.en : std::string(v.en) + ": " + extra,
                         v.ja, size});
  }
  void judgeParts();
  bool cleanXml(Part& p, Result& why);
  void cleanManifest();

  Package& pkg_;
  const Options& o_;
  ScanContext& ctx_;
  std::vector<Removal> removals_;
};

void OdfCleaner::judgeParts() {
  for (auto& p : pkg_.parts()) {
    const std::string lower = toLower(p.name);
    const Verdict* v = nullptr;
    if (lower.rfind("basic/", 0) == 0 || lower.rfind("scripts/", 0) == 0) v = &kMacro;
    else if (lower.rfind("object ", 0) == 0) v = &kObject;  // OLE blobs and embedded sub-documents alike
    else if (lower != "mimetype" && isBinaryProgram(p.bytes)) v = &kUnknown;
    if (!v) continue;
    p.removed = true;
    add(*v, p.name, "package part", "", p.bytes.size());
  }
}

bool OdfCleaner::cleanXml(Part& p, Result& why) {
  std::string error;
  XmlDocPtr doc = parseXmlPart(p.bytes, error);
  if (!doc) {
    why = Result::refuse("office.unreadable", "part \"" + p.name + "\" cannot be read: " + error,
                         "文書の部品を読み取れないため削除しました", p.name);
    return false;
  }
  std::vector<xmlNode*> remove, unwrap;
  bool changed = false;
  for (xmlNode* n : elementsInOrder(xmlDocGetRootElement(doc.get()))) {
    const std::string href = attribute(n, kNsXlink, "href").value_or("");
    if (isElement(n, kNsOffice, "event-listeners")) {
      add(kEvent, p.name, "ODF event", "");
      remove.push_back(n);
    } else if (isElement(n, kNsDraw, "object-ole") || isElement(n, kNsDraw, "object")) {
      add(kObject, p.name, "ODF object", href);
      remove.push_back(n);
    } else if (isElement(n, kNsText, "dde-connection-decls") || isElement(n, kNsTable, "dde-links") ||
               isElement(n, kNsOffice, "dde-source") || isElement(n, kNsText, "dde-connection")) {
      add(kDde, p.name, "ODF DDE", "");
      remove.push_back(n);
    } else if (isElement(n, kNsText, "section-source") || isElement(n, kNsTable, "table-source") ||
               isElement(n, kNsTable, "cell-range-source")) {
      add(kExternal, p.name, "ODF link", href);
      remove.push_back(n);
    } else if ((isElement(n, kNsText, "a") || isElement(n, kNsDraw, "a")) && !href.empty() && !isInternalHref(href)) {
      if (isScriptUrl(href)) {
        add(kEvent, p.name, "ODF link", href);
        unwrap.push_back(n);
      } else if (o_.hyperlinks != LinkPolicy::Keep) {
        add(kLink, p.name, "ODF link", href);
        unwrap.push_back(n);
        if (o_.hyperlinks == LinkPolicy::Defang)
          xmlAddNextSibling(n, xmlNewText(BAD_CAST(" [" + neutraliseUrl(href, UrlMode::Defang) + "]").c_str()));
      }
    } else if (isElement(n, kNsText, "execute-macro")) {
      add(kEvent, p.name, "ODF macro field", attribute(n, kNsText, "name").value_or(""));
      unwrap.push_back(n);  // its text stays
    } else if (isElement(n, kNsText, "script")) {
      add(kEvent, p.name, "ODF script", href);
      remove.push_back(n);
    } else if (!href.empty() && isScriptUrl(href)) {
      add(kEvent, p.name, "ODF link", href);
      removeAttribute(n, kNsXlink, "href");
      changed = true;
    } else if (!href.empty() && !isInternalHref(href)) {
      // Any other element taking something from outside: pictures, list
      // bullets, backgrounds, plugins, applets, frames.
      add(kExternal, p.name, "ODF link", href);
      removeAttribute(n, kNsXlink, "href");
      changed = true;
    }
    // Spreadsheet formulas that open a DDE link or fetch from the web: the
    // formula goes, the cell keeps its value.
    if (auto f = attribute(n, kNsTable, "formula")) {
      const std::string lower = toLower(*f);
      if (lower.find("dde(") != std::string::npos || lower.find("webservice(") != std::string::npos ||
          lower.find("filterxml(") != std::string::npos) {
        add(lower.find("dde(") != std::string::npos ? kDde : kExternal, p.name, "ODF formula", *f);
        removeAttribute(n, kNsTable, "formula");
        changed = true;
      }
    }
  }
  applyEdits(remove, unwrap);
  if (changed || !remove.empty() || !unwrap.empty()) p.rewritten = serializeXml(doc.get());
  return true;
}

void OdfCleaner::cleanManifest() {
  Part* m = pkg_.find("META-INF/manifest.xml");
  if (!m) return;
  std::string error;
  XmlDocPtr doc = parseXmlPart(m->bytes, error);
  if (!doc) return;  // read (and refused if broken) by cleanXml already
  bool changed = false;
  for (xmlNode* n : elementsInOrder(xmlDocGetRootElement(doc.get()))) {
    if (!isElement(n, kNsManifest, "file-entry")) continue;
    const std::string path = attribute(n, kNsManifest, "full-path").value_or("");
    bool drop = false;
    for (const auto& p : pkg_.parts())
      if (p.removed && (samePartName(p.name, path) || (!path.empty() && path.back() == '/' &&
                                                       startsWithIgnoreCase(p.name, path) && [&] {
                                                         for (const auto& q : pkg_.parts())
                                                           if (!q.removed && startsWithIgnoreCase(q.name, path)) return false;
                                                         return true;
                                                       }())))
        drop = true;
    if (drop) {
      removeNode(n);
      changed = true;
    }
  }
  if (changed) m->rewritten = serializeXml(doc.get());
}

Result OdfCleaner::run() {
  judgeParts();
  Result why;
  for (auto& p : pkg_.parts()) {
    if (p.removed || !looksXml(p.bytes) || toLower(p.name).ends_with(".rdf")) continue;
    if (ctx_.expired()) return Result::refuse("limit.time", "not cleaned within the time limit", "制限時間内に無害化できませんでした");
    if (!cleanXml(p, why)) return why;
  }
  if (removals_.empty()) return Result::clean();
  cleanManifest();
  // The package's type as its mimetype part says; without one (LibreOffice
  // opens it anyway) the generic OpenDocument type, never "a ZIP archive".
  const Part* m = pkg_.find("mimetype");
  std::string type = m ? m->bytes.substr(0, m->bytes.find_first_of(" \r\n")) : "";
  if (type.rfind("application/vnd.oasis.opendocument.", 0) != 0) type = "application/vnd.oasis.opendocument.text";
  return rebuiltResult(pkg_, std::move(removals_), type, "");
}

}  // namespace

Result cleanOdf(std::string_view bytes, const Options& options, ScanContext& ctx) {
  Result why;
  auto pkg = Package::read(bytes, options, ctx, why);
  if (!pkg) return why;
  return OdfCleaner(*pkg, options, ctx).run();
}

}  // namespace mugai::sanitizers::office_cdr
