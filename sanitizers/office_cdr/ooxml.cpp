// See ooxml.h. The OOXML package is rebuilt from what is allowed:
//  1. every part is read (package.h: bounded, structural tricks refused);
//  2. parts go by content type or by the relationship that reaches them
//     (ooxml_rules.h: VBA, XLM macro sheets, ActiveX, OLE objects and
//     packages, connections, add-ins, customUI, altChunk), and so does any
//     binary part that is not a picture, medium, font or printer setting,
//     or whose bytes are a program, archive or OLE2 file;
//  3. relationships go when they point outside the package (all but
//     hyperlinks, which follow `hyperlinks`), have an active type, or point
//     at a removed part; the elements that used them go too (or lose the
//     reference, where the element is only a picture holder);
//  4. in the XML parts: Word fields other than harmless ones (DDE,
//     INCLUDE*, IMPORT, LINK, and any field whose name is built by a
//     nested field) lose their instruction and keep their result text;
//     Excel DDE formulas lose the formula and keep the cached value;
//     Auto_Open-style names go; PowerPoint actions that run a program,
//     macro or object go;
//  5. [Content_Types].xml loses the removed parts and macro-enabled main
//     types become their macro-free twins (.docm -> .docx).
// Parts nobody changed are copied byte for byte (compressed data too).
// Binary workbooks (.xlsb) cannot be checked for DDE formulas and are
// refused (office.xlsb_unsupported).
#include "sanitizers/office_cdr/ooxml.h"

#include <algorithm>
#include <map>

#include "core/node.h"
#include "core/url_defang.h"
#include "sanitizers/office_cdr/ooxml_rules.h"
#include "sanitizers/office_cdr/package.h"
#include "sanitizers/office_cdr/xml_part.h"

namespace mugai::sanitizers::office_cdr {
namespace {

constexpr std::string_view kNsCt = "http://schemas.openxmlformats.org/package/2006/content-types";
constexpr std::string_view kNsPkgRel = "http://schemas.openxmlformats.org/package/2006/relationships";

bool endsWith(std::string_view s, std::string_view p) { return s.size() >= p.size() && s.substr(s.size() - p.size()) == p; }

std::string folderOf(std::string_view name) {
  const std::size_t slash = name.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(name.substr(0, slash));
}

std::string extensionOf(std::string_view name) {
  const std::size_t slash = name.rfind('/'), dot = name.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return "";
  return toLower(name.substr(dot + 1));
}

// "word/_rels/document.xml.rels" -> "word/document.xml"; "_rels/.rels" -> "".
std::optional<std::string> relsSource(std::string_view name) {
  const std::string lower = toLower(name);
  if (!endsWith(lower, ".rels")) return std::nullopt;
  const std::size_t at = lower.rfind("_rels/");
  if (at == std::string::npos || (at != 0 && lower[at - 1] != '/')) return std::nullopt;
  std::string folder(name.substr(0, at == 0 ? 0 : at - 1));
  std::string file(name.substr(at + 6, name.size() - at - 6 - 5));
  return folder.empty() ? file : folder + "/" + file;
}

std::string shortened(std::string s) {
  if (s.size() > 160) s = s.substr(0, 157) + "...";
  return s;
}

constexpr std::string_view kNsO = "urn:schemas-microsoft-com:office:office";

bool looksExecutableOrContainer(std::string_view b) {
  return b.substr(0, 2) == "MZ" || b.substr(0, 4) == std::string_view("\x7F" "ELF", 4) ||
         b.substr(0, 4) == std::string_view("PK\x03\x04", 4) ||
         b.substr(0, 8) == std::string_view("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
}

bool isXmlType(std::string_view t) {
  const std::string l = toLower(t);
  return endsWith(l, "+xml") || endsWith(l, "/xml") || endsWith(l, ".vmldrawing");  // VML is XML too
}

// "[1]Sheet1!A1" / "[2]!Name": a reference to external workbook n
// (outside string literals).
bool referencesExternalBook(std::string_view f) {
  bool inString = false;
  for (std::size_t i = 0; i + 2 < f.size(); ++i) {
    if (f[i] == '"') inString = !inString;
    if (inString || f[i] != '[') continue;
    std::size_t j = i + 1;
    while (j < f.size() && f[j] >= '0' && f[j] <= '9') ++j;
    if (j > i + 1 && j < f.size() && f[j] == ']') return true;
  }
  return false;
}

// Whether a relationship reaches outside the package. Only an absent
// TargetMode or exactly "Internal" is internal (" External", "External\u200b"
// and the like are not what a reader may take for internal); and an
// "internal" target that names a scheme, a UNC or a rooted Windows path
// ("http://...", "mhtml:...", "file:", "\\host\share", "C:\...") points
// outside all the same.
bool isOutsideRelationship(const std::optional<std::string>& mode, std::string_view target) {
  if (mode && !equalsIgnoreCase(*mode, "Internal")) return true;
  if (target.rfind("\\", 0) == 0 || target.rfind("//", 0) == 0) return true;
  const std::size_t colon = target.find(':');
  const std::size_t slash = target.find_first_of("/\\");
  return colon != std::string_view::npos && (slash == std::string_view::npos || colon < slash);
}

struct RemovedRel {
  PartVerdict why;
  std::string target;
  bool hyperlink = false;
};

class Cleaner {
 public:
  Cleaner(Package& pkg, const Options& o, ScanContext& ctx) : pkg_(pkg), o_(o), ctx_(ctx) {}

  Result run();

 private:
  bool readContentTypes(Result& why);
  std::string typeOf(std::string_view partName) const;
  void removePart(Part& p, const PartVerdict& v, const std::string& detail = {});
  void judgeParts();
  bool judgeRelationships(Result& why);
  bool cleanXmlParts(Result& why);
  bool mayHoldActiveXml(const Part& p);
  void cleanElements(Part& p, xmlDoc* doc, bool& changed);
  void cleanWordFields(Part& p, const std::vector<xmlNode*>& all, bool& changed);
  void rewriteContentTypes();
  std::string documentType() const;
  void add(const PartVerdict& v, std::string where, std::string type, std::string extra, std::uint64_t size = 0) {
    removals_.push_back({v.code, std::move(where), std::move(type),
                         extra.empty() ? std::string(v.en) : std::string(v.en) + ": " + shortened(std::move(extra)),
                         v.ja, size});
  }

  Package& pkg_;
  const Options& o_;
  ScanContext& ctx_;
  std::vector<Removal> removals_;
  Part* contentTypes_ = nullptr;
  XmlDocPtr ctDoc_;
  std::map<std::string, std::string> defaults_;   // extension -> type
  std::map<std::string, std::string> overrides_;  // lower-case part name -> type
  std::map<std::string, std::map<std::string, RemovedRel>> removedRels_;  // lower-case source part -> id -> why
  std::optional<MacroFree> twin_;
  bool externalLinkRemoved_ = false;
};

bool Cleaner::readContentTypes(Result& why) {
  contentTypes_ = pkg_.find("[Content_Types].xml");
  std::string error;
  if (contentTypes_) ctDoc_ = parseXmlPart(contentTypes_->bytes, error);
  if (!ctDoc_) {
    why = Result::refuse("office.unreadable", "[Content_Types].xml cannot be read: " + error,
                         "文書の構造（Content_Types）を読み取れないため削除しました");
    return false;
  }
  for (xmlNode* n : elementsInOrder(xmlDocGetRootElement(ctDoc_.get()))) {
    if (isElement(n, kNsCt, "Default")) {
      auto ext = attribute(n, "", "Extension"), type = attribute(n, "", "ContentType");
      if (ext && type) defaults_[toLower(*ext)] = *type;
    } else if (isElement(n, kNsCt, "Override")) {
      auto name = attribute(n, "", "PartName"), type = attribute(n, "", "ContentType");
      if (name && type) overrides_[toLower(!name->empty() && name->front() == '/' ? name->substr(1) : *name)] = *type;
    }
  }
  return true;
}

std::string Cleaner::typeOf(std::string_view partName) const {
  if (auto it = overrides_.find(toLower(partName)); it != overrides_.end()) return it->second;
  if (auto it = defaults_.find(extensionOf(partName)); it != defaults_.end()) return it->second;
  return "";
}

void Cleaner::removePart(Part& p, const PartVerdict& v, const std::string& detail) {
  if (p.removed) return;
  p.removed = true;
  add(v, p.name, typeOf(p.name).empty() ? "package part" : typeOf(p.name), detail, p.bytes.size());
  // Its own relationships go with it.
  const std::string folder = folderOf(p.name);
  const std::string file = p.name.substr(folder.empty() ? 0 : folder.size() + 1);
  if (Part* rels = pkg_.find((folder.empty() ? "" : folder + "/") + "_rels/" + file + ".rels")) rels->removed = true;
}

// An external workbook reference that is a DDE or OLE link (not a plain
// workbook whose cached values we keep).
bool isDdeOrOleLink(const Part& p) {
  std::string error;
  XmlDocPtr doc = parseXmlPart(p.bytes, error);
  if (!doc) return true;  // unreadable: it goes
  for (xmlNode* n : elementsInOrder(xmlDocGetRootElement(doc.get())))
    if (isElement(n, kNsS, "ddeLink") || isElement(n, kNsS, "oleLink")) return true;
  return false;
}

// The relationship type that reaches each internal part (the last one
// read wins; every active type removes the part whichever it is).
std::map<std::string, std::string> incomingRelTypes(Package& pkg) {
  std::map<std::string, std::string> out;
  for (auto& rels : pkg.parts()) {
    auto source = relsSource(rels.name);
    if (!source) continue;
    std::string error;
    XmlDocPtr doc = parseXmlPart(rels.bytes, error);
    if (!doc) continue;  // judgeRelationships refuses it
    for (xmlNode* n : elementsInOrder(xmlDocGetRootElement(doc.get()))) {
      if (!isElement(n, kNsPkgRel, "Relationship") ||
          isOutsideRelationship(attribute(n, "", "TargetMode"), attribute(n, "", "Target").value_or("")))
        continue;
      const std::string target = resolvePartName(folderOf(*source), attribute(n, "", "Target").value_or(""));
      const std::string type = attribute(n, "", "Type").value_or("");
      if (!target.empty() && (activePart("", type, "") || !out.count(toLower(target)))) out[toLower(target)] = type;
    }
  }
  return out;
}

void Cleaner::judgeParts() {
  const auto incoming = incomingRelTypes(pkg_);
  for (auto& p : pkg_.parts()) {
    if (&p == contentTypes_ || p.removed) continue;
    const std::string type = typeOf(p.name);
    const auto in = incoming.find(toLower(p.name));
    if (auto v = activePart(type, in == incoming.end() ? "" : in->second, p.name)) {
      removePart(p, *v);
    } else if (toLower(type).find("externallink+xml") != std::string::npos && isDdeOrOleLink(p)) {
      static constexpr PartVerdict kLinkPart{"office.dde_removed", "DDE or OLE link to another program removed",
                                             "他のプログラムへの DDE／OLE リンクを削除しました"};
      removePart(p, kLinkPart);
      externalLinkRemoved_ = true;
    } else if (relsSource(p.name)) {
      continue;
    } else if (!isXmlType(type) && (!harmlessBinaryType(type) || looksExecutableOrContainer(p.bytes))) {
      static constexpr PartVerdict kUnknown{"office.unknown_part_removed",
                                            "a part that is neither document XML nor a picture, font or medium removed",
                                            "文書の本文・画像・フォント以外の部品を削除しました"};
      removePart(p, kUnknown, type.empty() ? "no content type" : type);
    }
  }
}

bool Cleaner::judgeRelationships(Result& why) {
  // Two rounds: a part reached by an active relationship goes, which may
  // take its own relationships (and what only they reach) with it.
  for (int round = 0; round < 2; ++round) {
    for (auto& rels : pkg_.parts()) {
      auto source = relsSource(rels.name);
      if (!source || rels.removed) continue;
      std::string error;
      XmlDocPtr doc = parseXmlPart(rels.rewritten ? *rels.rewritten : rels.bytes, error);
      if (!doc) {
        why = Result::refuse("office.unreadable", "relationships of \"" + *source + "\" cannot be read: " + error,
                             "文書の参照情報を読み取れないため削除しました", rels.name);
        return false;
      }
      const std::string folder = folderOf(*source);
      bool changed = false;
      for (xmlNode* n : elementsInOrder(xmlDocGetRootElement(doc.get()))) {
        if (!isElement(n, kNsPkgRel, "Relationship")) continue;
        const std::string id = attribute(n, "", "Id").value_or(""), type = attribute(n, "", "Type").value_or("");
        const std::string target = attribute(n, "", "Target").value_or("");
        const bool external = isOutsideRelationship(attribute(n, "", "TargetMode"), target);
        std::optional<PartVerdict> v;
        bool announce = true;
        if (external) {
          if (!isHyperlinkRelationship(type)) v = activeRelationship(type).value_or(PartVerdict{
              "office.external_relationship_removed", "link to an outside resource removed",
              "外部への参照を削除しました"});
          else if (o_.hyperlinks != LinkPolicy::Keep || isDangerousUrl(target) || target.rfind("\\\\", 0) == 0)
            v = activeField("HYPERLINK");
          if (v && std::string_view(v->code) == "office.ole_object_removed")
            v = PartVerdict{"office.external_relationship_removed", "link to an outside object removed (Follina-style)",
                            "外部オブジェクトへの参照を削除しました"};
        } else {
          Part* t = pkg_.find(resolvePartName(folder, target));
          if (t && !t->removed) {
            if (auto pv = activePart(typeOf(t->name), type, t->name)) removePart(*t, *pv);
          }
          // A removed part was announced by removePart; its relationship goes quietly.
          if (auto rv = activeRelationship(type)) {
            v = rv;
            announce = !(t && t->removed);
          } else if (t && t->removed) {
            v = PartVerdict{"office.unknown_part_removed", "", ""};
            announce = false;
          }
        }
        if (!v) continue;
        auto& ids = removedRels_[toLower(*source)];
        // A second relationship under an Id already removed goes too (Ids
        // must be unique; a reader may take either), announced once.
        if (!ids.count(id)) {
          ids[id] = RemovedRel{*v, target, isHyperlinkRelationship(type)};
          if (announce) add(*v, *source, "relationship", external ? target : type);
        }
        removeNode(n);
        changed = true;
      }
      if (changed) rels.rewritten = serializeXml(doc.get());
    }
  }
  return true;
}

void Cleaner::cleanWordFields(Part& p, const std::vector<xmlNode*>& all, bool& changed) {
  struct Field {
    std::vector<xmlNode*> markup, instrText;
    std::string instr, beforeNested;
    bool inResult = false, nested = false;
  };
  std::vector<Field> open;
  std::vector<xmlNode*> doomed, simple;
  auto judge = [&](Field& f) {
    // A field whose name is spelled by a nested field cannot be judged by its name.
    const bool nameBuilt = f.nested && f.beforeNested.find_first_not_of(" \t\"") == std::string::npos;
    std::optional<PartVerdict> v = activeField(nameBuilt ? "" : f.instr);
    if (!v || (std::string_view(v->code) == "office.hyperlink_removed" && o_.hyperlinks == LinkPolicy::Keep)) return;
    add(*v, p.name, "Word field", f.instr);
    doomed.insert(doomed.end(), f.markup.begin(), f.markup.end());
    doomed.insert(doomed.end(), f.instrText.begin(), f.instrText.end());
  };
  for (xmlNode* n : all) {
    if (isElement(n, kNsW, "fldSimple")) {
      if (auto v = activeField(attribute(n, kNsW, "instr").value_or(""));
          v && !(std::string_view(v->code) == "office.hyperlink_removed" && o_.hyperlinks == LinkPolicy::Keep)) {
        add(*v, p.name, "Word field", attribute(n, kNsW, "instr").value_or(""));
        simple.push_back(n);
      }
    } else if (isElement(n, kNsW, "fldChar")) {
      const std::string kind = attribute(n, kNsW, "fldCharType").value_or("");
      if (kind == "begin") {
        if (!open.empty() && !open.back().inResult) {
          if (!open.back().nested) open.back().beforeNested = open.back().instr;
          open.back().nested = true;
        }
        open.push_back({});
        open.back().markup.push_back(n);
      } else if (!open.empty() && kind == "separate") {
        open.back().inResult = true;
        open.back().markup.push_back(n);
      } else if (!open.empty() && kind == "end") {
        open.back().markup.push_back(n);
        judge(open.back());
        open.pop_back();
      }
    } else if (isElement(n, kNsW, "instrText") || isElement(n, kNsW, "delInstrText")) {
      if (!open.empty() && !open.back().inResult) {
        open.back().instr += textOf(n);
        open.back().markup.push_back(n);
      }
    } else if (isElement(n, kNsW, "t")) {
      // Text inside an instruction (a nested field's result spelling it).
      for (auto it = open.rbegin(); it != open.rend(); ++it)
        if (!it->inResult) {
          it->instrText.push_back(n);
          break;
        }
    }
  }
  while (!open.empty()) {  // unclosed fields
    judge(open.back());
    open.pop_back();
  }
  for (auto it = doomed.rbegin(); it != doomed.rend(); ++it) removeNode(*it);
  for (auto it = simple.rbegin(); it != simple.rend(); ++it) unwrapNode(*it);  // the result runs stay
  changed = changed || !doomed.empty() || !simple.empty();
}

void Cleaner::cleanElements(Part& p, xmlDoc* doc, bool& changed) {
  const auto& removedIds = removedRels_[toLower(p.name)];
  std::vector<xmlNode*> all = elementsInOrder(xmlDocGetRootElement(doc));
  std::vector<xmlNode*> remove, unwrap;
  std::vector<std::pair<xmlNode*, std::string>> defang;
  for (xmlNode* n : all) {
    // Elements that used a removed relationship.
    for (xmlAttr* a = n->properties; a;) {
      xmlAttr* next = a->next;
      if (a->ns && sameNamespace(reinterpret_cast<const char*>(a->ns->href), kNsRel)) {
        xmlChar* v = xmlNodeListGetString(doc, a->children, 1);
        const std::string id = v ? reinterpret_cast<const char*>(v) : "";
        xmlFree(v);
        if (auto it = removedIds.find(id); it != removedIds.end()) {
          const std::string_view local = reinterpret_cast<const char*>(n->name);
          if (isElement(n, kNsW, "hyperlink")) {
            unwrap.push_back(n);
            if (o_.hyperlinks == LinkPolicy::Defang && it->second.hyperlink) defang.push_back({n, it->second.target});
          } else if (local == "hlinkClick" || local == "hlinkHover" || local == "hlinkMouseOver" || local == "hyperlink" ||
                     local == "OLEObject" || local == "control" || local == "oleObject" || local == "subDoc" ||
                     local == "altChunk" || local == "attachedTemplate" || local == "externalReference" ||
                     local == "sheet" || local == "webPublishItem" || local == "webExtension" || local == "sldLayoutId" ||
                     local == "frame") {
            remove.push_back(n);
          } else {
            xmlRemoveProp(a);
          }
          changed = true;
        }
      }
      a = next;
    }
    const std::string_view local = reinterpret_cast<const char*>(n->name);
    // OLE objects and controls go whether embedded (their part is gone) or
    // linked (Type="Link": nothing but the element says where it points);
    // their preview shapes stay.
    if (isElement(n, kNsS, "oleObjects") || isElement(n, kNsS, "controls") || isElement(n, kNsW, "control") ||
        isElement(n, kNsO, "OLEObject")) {
      const bool control = isElement(n, kNsS, "controls") || isElement(n, kNsW, "control");
      if (control && !std::any_of(removals_.begin(), removals_.end(),
                                  [](const Removal& r) { return r.code == "office.activex_removed"; })) {
        static constexpr PartVerdict kControl{"office.activex_removed", "ActiveX control removed",
                                              "ActiveX コントロールを削除しました"};
        add(kControl, p.name, "ActiveX control", "");
      } else if (attribute(n, "", "Type").value_or("") == "Link" || isElement(n, kNsS, "oleObjects")) {
        static constexpr PartVerdict kLinked{"office.ole_object_removed", "object embedded or linked in the sheet or text removed",
                                             "シート・本文に埋め込まれた（リンクされた）オブジェクトを削除しました"};
        if (!std::any_of(removals_.begin(), removals_.end(), [](const Removal& r) { return r.code == "office.ole_object_removed"; }))
          add(kLinked, p.name, "OLE object", attribute(n, "", "ProgID").value_or(attribute(n, "", "progId").value_or("")));
      }
      remove.push_back(n);
      changed = true;
      continue;
    }
    if (local == "hlinkClick" || local == "hlinkHover" || local == "hlinkMouseOver") {
      const std::string action = toLower(attribute(n, "", "action").value_or(""));
      for (std::string_view bad : {"ppaction://program", "ppaction://macro", "ppaction://ole", "ppaction://customshow?"})
        if (action.rfind(bad, 0) == 0 && bad != "ppaction://customshow?") {
          static constexpr PartVerdict kAction{"office.action_removed", "action that runs a program, macro or object removed",
                                               "プログラム・マクロを実行する動作設定を削除しました"};
          add(kAction, p.name, "PowerPoint action", action);
          remove.push_back(n);
          changed = true;
          break;
        }
    } else if (isElement(n, kNsS, "definedName")) {
      if (isDdeFormula(textOf(n))) {
        static constexpr PartVerdict kDdeName{"office.dde_removed", "name whose value is a DDE link removed",
                                              "DDE リンクを値に持つ名前定義を削除しました"};
        add(kDdeName, p.name, "defined name", attribute(n, "", "name").value_or(""));
        remove.push_back(n);
        changed = true;
      } else if (isAutoRunName(attribute(n, "", "name").value_or(""))) {
        static constexpr PartVerdict kAuto{"office.xlm_removed", "name that runs a macro when the workbook opens removed",
                                           "ブックを開くとマクロを実行する名前定義を削除しました"};
        add(kAuto, p.name, "defined name", attribute(n, "", "name").value_or(""));
        remove.push_back(n);
        changed = true;
      }
    } else if (isElement(n, kNsS, "f")) {
      if (externalLinkRemoved_ && referencesExternalBook(textOf(n))) {
        remove.push_back(n);  // its workbook link is gone (announced with it); the cached value stays
        changed = true;
      } else if (isDdeFormula(textOf(n))) {
        static constexpr PartVerdict kDdeFormula{"office.dde_removed", "DDE formula removed (the cell keeps its last value)",
                                                 "DDE 数式を削除しました（セルの値は残しています）"};
        add(kDdeFormula, p.name, "Excel formula", textOf(n));
        remove.push_back(n);
        changed = true;
      }
    } else if (isElement(n, kNsS, "ddeLink") || isElement(n, kNsS, "oleLink")) {
      static constexpr PartVerdict kDdeLink{"office.dde_removed", "DDE or OLE link of an external reference removed",
                                            "外部参照の DDE／OLE リンクを削除しました"};
      add(kDdeLink, p.name, "external link", attribute(n, "", "ddeService").value_or(attribute(n, kNsRel, "id").value_or("")));
      remove.push_back(n);
      changed = true;
    }
  }
  const std::string type = toLower(typeOf(p.name));
  if (type.find("wordprocessingml") != std::string::npos || type.find("ms-word") != std::string::npos)
    cleanWordFields(p, all, changed);
  for (auto& [n, url] : defang) {  // the address after the link's text, before the link is unwrapped
    xmlNode* r = xmlNewNode(n->ns, BAD_CAST "r");
    xmlNode* t = xmlNewChild(r, n->ns, BAD_CAST "t", nullptr);
    xmlNodeAddContent(t, BAD_CAST(" [" + neutraliseUrl(url, UrlMode::Defang) + "]").c_str());
    xmlSetProp(t, BAD_CAST "xml:space", BAD_CAST "preserve");
    xmlAddNextSibling(n, r);
  }
  applyEdits(remove, unwrap);
  // Containers the schema wants non-empty.
  if (!changed) return;
  for (xmlNode* n : elementsInOrder(xmlDocGetRootElement(doc))) {
    const std::string_view local = reinterpret_cast<const char*>(n->name);
    if (local != "oleObjects" && local != "controls" && local != "externalReferences" && local != "hyperlinks" &&
        local != "definedNames" && local != "webPublishItems")
      continue;
    bool any = false;
    for (xmlNode* c = n->children; c; c = c->next) any = any || c->type == XML_ELEMENT_NODE;
    if (!any) {
      removeNode(n);
      changed = true;
    }
  }
}

// Whether a part can hold anything cleanElements acts on; a part without
// any of these element names is left unparsed (most of a large document's
// bytes). Element names cannot be escaped; the values acted on sit in
// those elements, except a formula's text, which may spell its DDE pipe as
// a character reference (&#124;): formulas count with a '|' or any "&#".
bool Cleaner::mayHoldActiveXml(const Part& p) {
  if (const auto it = removedRels_.find(toLower(p.name)); it != removedRels_.end() && !it->second.empty()) return true;
  std::string_view b = p.bytes;
  // Parsed (and so refused) when it is not plain UTF-8 XML or declares
  // entities: neither may pass unread.
  std::string_view head = b.substr(b.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0);
  head.remove_prefix(std::min(head.size(), head.find_first_not_of(" \t\r\n")));
  if (head.empty() || head.front() != '<' || b.find("<!DOCTYPE") != std::string_view::npos ||
      b.find("<!ENTITY") != std::string_view::npos)
    return true;
  for (std::string_view needle : {"fldChar", "fldSimple", "instrText", "OLEObject", "oleObject", "ontrol", "definedName",
                                  "ddeLink", "oleLink", "hlinkClick", "hlinkHover", "hlinkMouseOver"})
    if (b.find(needle) != std::string_view::npos) return true;
  // Formulas and defined names: a DDE pipe, spelled or as a character
  // reference (any "&#"), wherever it is; end tags may carry blanks ("</f >"),
  // so no element-name test is made for them.
  if (b.find('|') != std::string_view::npos || b.find("&#") != std::string_view::npos) return true;
  return externalLinkRemoved_ && b.find('[') != std::string_view::npos;
}

bool Cleaner::cleanXmlParts(Result& why) {
  for (auto& p : pkg_.parts()) {
    if (p.removed || &p == contentTypes_ || relsSource(p.name)) continue;
    const std::string type = toLower(typeOf(p.name));
    if (!isXmlType(type)) continue;
    if (ctx_.expired()) {
      why = Result::refuse("limit.time", "not cleaned within the time limit", "制限時間内に無害化できませんでした");
      return false;
    }
    if (!mayHoldActiveXml(p)) continue;
    std::string error;
    XmlDocPtr doc = parseXmlPart(p.bytes, error);
    if (!doc) {
      why = Result::refuse("office.unreadable", "part \"" + p.name + "\" cannot be read: " + error,
                           "文書の部品を読み取れないため削除しました", p.name);
      return false;
    }
    bool changed = false;
    cleanElements(p, doc.get(), changed);
    if (changed) p.rewritten = serializeXml(doc.get());
  }
  return true;
}

void Cleaner::rewriteContentTypes() {
  bool changed = false;
  for (xmlNode* n : elementsInOrder(xmlDocGetRootElement(ctDoc_.get()))) {
    if (isElement(n, kNsCt, "Override")) {
      std::string name = attribute(n, "", "PartName").value_or("");
      Part* p = pkg_.find(name);
      const std::string type = attribute(n, "", "ContentType").value_or("");
      if (!p || p->removed) {
        if (p) removeNode(n), changed = true;
        continue;
      }
      if (auto t = macroFreeTwin(type)) {
        twin_ = t;
        xmlSetProp(n, BAD_CAST "ContentType", BAD_CAST t->mainType);
        changed = true;
      }
    } else if (isElement(n, kNsCt, "Default")) {
      if (activePart(attribute(n, "", "ContentType").value_or(""), "", "")) removeNode(n), changed = true;
    }
  }
  if (changed) contentTypes_->rewritten = serializeXml(ctDoc_.get());
}

// The package's media type, from its main part's content type
// ("...wordprocessingml.document.main+xml" -> "...wordprocessingml.document").
std::string Cleaner::documentType() const {
  for (const auto& [name, type] : overrides_) {
    const std::string t = toLower(type);
    if (endsWith(t, ".main+xml")) return t.substr(0, t.size() - 9);
  }
  return "application/vnd.openxmlformats-officedocument";
}

Result Cleaner::run() {
  Result why;
  if (!readContentTypes(why)) return why;
  // An OPC package that is no Office document (XPS, NuGet...) is left to
  // the other stages: it has no macros, fields or objects of Office's.
  bool office = false, binaryWorkbook = false;
  for (const auto* table : {&overrides_, &defaults_})
    for (const auto& [key, type] : *table) {
      const std::string t = toLower(type);
      office = office || t.find("officedocument") != std::string::npos || t.find("vnd.ms-word") != std::string::npos ||
               t.find("vnd.ms-excel") != std::string::npos || t.find("vnd.ms-powerpoint") != std::string::npos;
      binaryWorkbook = binaryWorkbook || t.find("sheet.binary") != std::string::npos;
    }
  if (!office) return Result::clean();
  if (binaryWorkbook)
      return Result::refuse("office.xlsb_unsupported",
                            "binary Excel workbook (.xlsb): its cells cannot be checked for DDE formulas",
                            "バイナリ形式の Excel ブック（.xlsb）は中身を検査できないため削除しました");
  judgeParts();
  if (!judgeRelationships(why) || !cleanXmlParts(why)) return why;
  rewriteContentTypes();
  if (removals_.empty() && !twin_) return Result::clean();
  if (twin_ && removals_.empty()) {
    // A macro-enabled type without a macro part still opens as one.
    static constexpr PartVerdict kType{"office.vba_removed", "macro-enabled document type changed to its macro-free twin",
                                       "マクロ有効形式をマクロなしの形式に変更しました"};
    add(kType, "[Content_Types].xml", "content type", twin_->mainType);
  }
  return twin_ ? rebuiltResult(pkg_, std::move(removals_), twin_->mimeType, twin_->extension)
               : rebuiltResult(pkg_, std::move(removals_), documentType(), "");
}

}  // namespace

Result cleanOoxml(std::string_view bytes, const Options& options, ScanContext& ctx) {
  Result why;
  auto pkg = Package::read(bytes, options, ctx, why);
  if (!pkg) return why;
  return Cleaner(*pkg, options, ctx).run();
}

}  // namespace mugai::sanitizers::office_cdr
