// Office XML files that are not packages: Word 2003 XML (w:wordDocument),
// SpreadsheetML 2003 (ss:Workbook) and Flat OPC (pkg:package, a whole
// .docx/.xlsx/.pptx in one XML file). See flat_formats.h.
//
// Read with libxml2's SAX2 parser (no tree: memory stays flat whatever the
// size), network off, no entity substitution, no DTD loading, libxml2's
// default limits (depth 256, no "huge"). A document type declaration is
// refused the moment the parser meets it, before its internal subset (the
// entities of a billion-laughs bomb, XXE) is read: Office never writes one.
// Anything not well-formed is refused (office.unreadable): Word would not
// open it either, and we will not guess what it would recover.
//
// Active content refuses the file (office.flat_active), one Removal per
// element found (capped), the first being the main reason:
//   w:binData that is not an image (oledata.mso = OLE object, editdata.mso =
//   VBA), w:docSuppData, o:OLEObject, w:control (ActiveX), w:attachedTemplate,
//   w:subDoc, fields DDE/DDEAUTO/INCLUDETEXT/INCLUDEPICTURE/INCLUDE/IMPORT/
//   LINK (w:fldSimple w:instr, or w:instrText between w:fldChar begin and
//   separate, pieces joined, a field whose name is built by a nested field
//   counts too), Flat OPC parts for VBA/OLE/ActiveX/embeddings, external
//   relationships other than hyperlinks, altChunk relationships, SpreadsheetML ss:Formula or
//   ss:RefersTo that holds DDE or a program-starting function, x:QueryTable.
// Why refuse instead of rebuild: these files are rare in mail; rewriting XML
// through a parser changes every byte of the harmless ones; and the active
// parts of the hostile ones are what they were sent for. SpreadsheetML DDE
// cells are refused too (not neutralised) for the same reason.
// Flat OpenDocument (.fodt/.fods/.fodp): office:scripts, script events,
// embedded objects and binary data, DDE, macro fields, linked sections,
// tables, pictures and frames, DDE/WEBSERVICE formulas refuse it too.
// Not judged: hyperlinks (w:hlink, ss:HRef, hyperlink relationships) and
// externally linked pictures of the Microsoft formats are left as they are.
// A clean document is delivered byte for byte (Outcome::Clean).
// Trust: hostile bytes; the SAX callbacks keep bounded state (a field
// stack, 4 KiB of instruction text per field, 64 base64 characters of a
// binData, 1000 hits) and check the deadline every 1024 elements.
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <memory>
#include <mutex>

#include "sanitizers/office_cdr/flat_internal.h"
#include "sanitizers/libxml_init.h"

namespace mugai::sanitizers::office_cdr::flat {
namespace {

constexpr std::size_t kMaxHits = 1000;
constexpr std::size_t kMaxInstr = 4096;

std::string_view sv(const xmlChar* s) { return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view(); }

std::string lower(std::string_view s) {
  std::string l(s);
  for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return l;
}

// Word, Excel, VML/Office and OPC namespaces: only elements in these are
// acted on by Office (an element of the same name elsewhere is inert).
bool officeNs(std::string_view uri) {
  return uri.find("schemas.microsoft.com") != std::string_view::npos || uri.substr(0, 25) == "urn:schemas-microsoft-com" ||
         uri.find("openxmlformats.org") != std::string_view::npos || uri.find("purl.oclc.org/ooxml") != std::string_view::npos;
}

int base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string base64Prefix(std::string_view text) {
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = base64Value(c);
    if (v < 0) break;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

bool endsWith(std::string_view s, std::string_view p) { return s.size() >= p.size() && s.substr(s.size() - p.size()) == p; }

// A w:binData Word shows as a picture: an image name and image bytes (by
// their magic; an OLE blob renamed .png is not an image).
bool isPicture(std::string_view name, std::string_view base64) {
  const std::string n = lower(name);
  const std::string m = base64Prefix(base64);
  auto magic = [&](std::string_view x) { return m.substr(0, x.size()) == x; };
  if (endsWith(n, ".png")) return magic("\x89PNG");
  if (endsWith(n, ".jpg") || endsWith(n, ".jpeg")) return magic("\xFF\xD8\xFF");
  if (endsWith(n, ".gif")) return magic("GIF8");
  if (endsWith(n, ".bmp")) return magic("BM");
  if (endsWith(n, ".emz") || endsWith(n, ".wmz")) return magic("\x1F\x8B");
  if (endsWith(n, ".wmf")) return magic("\xD7\xCD\xC6\x9A") || magic(std::string_view("\x01\x00\x09\x00", 4)) ||
                                  magic(std::string_view("\x02\x00\x09\x00", 4));
  if (endsWith(n, ".emf")) return magic(std::string_view("\x01\x00\x00\x00", 4));
  if (endsWith(n, ".tif") || endsWith(n, ".tiff")) return magic(std::string_view("II*\0", 4)) || magic(std::string_view("MM\0*", 4));
  return false;
}

// Fields that run or fetch: DDE/DDEAUTO start programs, INCLUDE*/IMPORT
// fetch files or URLs, LINK embeds a live OLE link to another file.
bool dangerousField(std::string_view instr) {
  std::size_t i = 0;
  while (i < instr.size() && (std::isspace(static_cast<unsigned char>(instr[i])) || instr[i] == '"')) ++i;
  std::size_t end = i;
  while (end < instr.size() && std::isalnum(static_cast<unsigned char>(instr[end]))) ++end;
  const std::string name = lower(instr.substr(i, end - i));
  for (std::string_view d : {"dde", "ddeauto", "includetext", "includepicture", "include", "import", "link"})
    if (name == d) return true;
  return false;
}

struct Field {
  std::string instr;
  bool inResult = false;
};

class Scanner {
 public:
  explicit Scanner(ScanContext& ctx) : ctx_(ctx) {}

  std::vector<Hit> hits;
  std::size_t total = 0;
  bool doctype = false;
  bool timeUp = false;

  void hit(std::string where, std::string type, std::string en, std::string ja) {
    ++total;
    if (hits.size() < kMaxHits) hits.push_back({std::move(where), std::move(type), std::move(en), std::move(ja)});
  }

  // false: stop parsing (deadline).
  bool start(std::string_view local, std::string_view uri, const xmlChar** attrs, int nAttrs) {
    if ((++elements_ & 0x3FF) == 0 && ctx_.expired()) { timeUp = true; return false; }
    judgeOdf(local, uri, attrs, nAttrs);
    if (!officeNs(uri)) return true;
    judgeAttributes(local, uri, attrs, nAttrs);
    if (local == "binData") {
      inBinData_ = true;
      binName_ = attr(attrs, nAttrs, "name");
      binText_.clear();
    } else if (local == "instrText") {
      ++inInstr_;
    } else if (local == "docSuppData") {
      hit("w:docSuppData", "Word 2003 XML", "macro storage (w:docSuppData)", "マクロの格納領域（w:docSuppData）");
    } else if (local == "OLEObject") {
      hit("o:OLEObject", "OLE object", "embedded or linked OLE object (o:OLEObject)",
          "埋め込み／リンク OLE オブジェクト（o:OLEObject）");
    } else if (local == "control") {
      hit("w:control", "ActiveX control", "ActiveX control (w:control)", "ActiveX コントロール（w:control）");
    } else if (local == "attachedTemplate" && remoteTemplate(attrs, nAttrs)) {
      hit("w:attachedTemplate", "template", "attached template (w:attachedTemplate), can load macros from elsewhere",
          "添付テンプレート（w:attachedTemplate）：外部からマクロを読み込めます");
    } else if (local == "subDoc") {
      hit("w:subDoc", "subdocument", "link to a subdocument (w:subDoc)", "サブ文書へのリンク（w:subDoc）");
    } else if (local == "QueryTable") {
      hit("x:QueryTable", "data connection", "external data query (x:QueryTable)", "外部データの照会（x:QueryTable）");
    }
    if (local == "fldChar") fieldChar(attr(attrs, nAttrs, "fldCharType"));
    return true;
  }

  void end(std::string_view local, std::string_view uri) {
    if (!officeNs(uri)) return;
    if (local == "instrText" && inInstr_ > 0) {
      --inInstr_;
      judgeInstr(stray_, "w:instrText");
      stray_.clear();
    }
    if (local == "binData" && inBinData_) {
      inBinData_ = false;
      if (!isPicture(binName_, binText_))
        hit("w:binData " + clip(binName_, 80), "embedded binary",
            "embedded binary data that is not a picture (OLE object or VBA macros)",
            "画像ではない埋め込みデータ（OLE オブジェクトまたは VBA マクロ）");
    }
  }

  void text(std::string_view t) {
    if (inBinData_) {
      for (char c : t)
        if (binText_.size() < 64 && !std::isspace(static_cast<unsigned char>(c))) binText_.push_back(c);
    }
    if (inInstr_ > 0) {
      // Between begin and separate: the field's instruction. Anywhere else
      // (no field open, or in a result): judged on its own at its end tag.
      std::string& s = (!fields_.empty() && !fields_.back().inResult) ? fields_.back().instr : stray_;
      s.append(t.substr(0, kMaxInstr - std::min(kMaxInstr, s.size())));
    }
  }

  void finish() {
    for (const Field& f : fields_)
      if (!f.inResult) judgeInstr(f.instr, "w:instrText");
    fields_.clear();
  }

 private:
  static std::string attr(const xmlChar** a, int n, std::string_view local) {
    for (int i = 0; i < n; ++i, a += 5)
      if (sv(a[0]) == local) return std::string(reinterpret_cast<const char*>(a[3]), static_cast<std::size_t>(a[4] - a[3]));
    return {};
  }

  // w:attachedTemplate w:val="" (no template) or a bare "Normal.dotm" loads
  // nothing from elsewhere; a path (C:\, \\server, http://) or an r:id
  // (OOXML: an external relationship) does.
  static bool remoteTemplate(const xmlChar** a, int n) {
    const std::string val = attr(a, n, "val");
    return !attr(a, n, "id").empty() || val.find_first_of("/\\:") != std::string::npos;
  }

  void judgeAttributes(std::string_view local, std::string_view uri, const xmlChar** a, int n) {
    const bool spreadsheet = uri == "urn:schemas-microsoft-com:office:spreadsheet";
    const bool pkgPart = local == "part" && uri == "http://schemas.microsoft.com/office/2006/xmlPackage";
    const bool rel = local == "Relationship";
    if (local == "fldSimple") judgeInstr(attr(a, n, "instr"), "w:fldSimple");
    if (spreadsheet) {
      for (std::string_view name : {"Formula", "RefersTo"}) {
        const FormulaRisk risk = judgeFormula(attr(a, n, name), false);
        if (risk.risky())
          hit("ss:" + std::string(name), "SpreadsheetML formula", "formula that starts a program (" + risk.what() + ")",
              "プログラムを起動する数式（" + risk.what() + "）");
      }
    }
    if (pkgPart) judgePart(attr(a, n, "name"), attr(a, n, "contentType"));
    // An altChunk (aFChunk) is a whole other document (RTF, MHT, HTML,
    // DOCX) Word merges in on opening: its own active content is unchecked.
    if (rel && endsWith(attr(a, n, "Type"), "/aFChunk"))
      hit("Relationship " + clip(attr(a, n, "Id"), 40), "altChunk", "embedded foreign document (altChunk)",
          "埋め込まれた別形式の文書（altChunk）");
    // Only an absent or exactly "Internal" TargetMode is internal.
    if (rel && !attr(a, n, "TargetMode").empty() && lower(attr(a, n, "TargetMode")) != "internal") {
      const std::string type = attr(a, n, "Type");
      if (!endsWith(type, "/hyperlink"))
        hit("Relationship " + clip(attr(a, n, "Id"), 40), "external relationship",
            "link to an outside resource (" + clip(type.substr(type.rfind('/') + 1), 60) + ")",
            "外部リソースへのリンク");
    }
  }

  // Flat OpenDocument (.fodt/.fods/.fodp, one XML file): macros
  // (office:scripts), script events, embedded objects and binary data, DDE,
  // macro-running text fields, and anything an href takes from outside
  // (linked sections, tables, pictures, plugins, frames), hyperlinks aside.
  void judgeOdf(std::string_view local, std::string_view uri, const xmlChar** a, int n) {
    if (uri.rfind("urn:oasis:names:tc:opendocument:xmlns:", 0) != 0) return;
    static constexpr std::string_view kActive[] = {
        "scripts", "event-listeners", "event-listener", "object-ole", "binary-data", "dde-source",
        "dde-connection-decls", "dde-connection", "dde-links", "dde-link", "execute-macro", "script",
        "section-source", "table-source", "cell-range-source", "plugin", "applet", "floating-frame"};
    for (std::string_view bad : kActive)
      if (local == bad) {
        hit(std::string(local), "OpenDocument", "active or outward-reaching element (" + std::string(local) + ")",
            "実行・外部参照を行う要素（" + std::string(local) + "）");
        return;
      }
    const bool link = local == "a";
    for (int i = 0; i < n; ++i, a += 5) {
      const std::string_view name = sv(a[0]), ns = sv(a[2]);
      const std::string value(reinterpret_cast<const char*>(a[3]), static_cast<std::size_t>(a[4] - a[3]));
      if (name == "href" && ns == "http://www.w3.org/1999/xlink") {
        const std::string v = lower(value);
        const bool script = v.rfind("macro:", 0) == 0 || v.rfind("vnd.sun.star.", 0) == 0 ||
                            v.rfind("javascript:", 0) == 0 || v.rfind("vbscript:", 0) == 0;
        // A scheme, a drive or a UNC/backslash path: outside the document.
        const bool outside = v.find_first_of(":\\") != std::string::npos;
        if (script || (outside && !link))
          hit(std::string(local) + " href", "OpenDocument link", "reference to an outside resource (" + clip(value, 80) + ")",
              "外部リソースへの参照（" + clip(value, 80) + "）");
      }
      if (name == "formula") {
        const std::string f = lower(value);
        if (f.find("dde(") != std::string::npos || f.find("webservice(") != std::string::npos ||
            f.find('|') != std::string::npos)
          hit("table:formula", "OpenDocument formula", "formula that starts a program or fetches (" + clip(value, 60) + ")",
              "プログラムの起動・外部取得を行う数式（" + clip(value, 60) + "）");
      }
    }
  }

  void judgePart(const std::string& name, const std::string& contentType) {
    const std::string t = lower(contentType), n = lower(name);
    for (std::string_view bad : {"vba", "oleobject", "activex", "/embeddings/"}) {
      if (t.find(bad) == std::string::npos && n.find(bad) == std::string::npos) continue;
      hit(clip(name, 120), clip(contentType, 120), "macro, OLE or ActiveX part in a Flat OPC document",
          "Flat OPC 文書内のマクロ／OLE／ActiveX 部品");
      return;
    }
  }

  void judgeInstr(const std::string& instr, const char* where) {
    if (dangerousField(instr))
      hit(where, "Word field", "field that runs or fetches (" + clip(instr, 60) + ")",
          "実行または外部取得を行うフィールド（" + clip(instr, 60) + "）");
  }

  // True while the instruction's first word may still grow.
  static bool nameOpen(const std::string& instr) {
    const std::size_t first = instr.find_first_not_of(" \t\r\n\"");
    if (first == std::string::npos) return true;
    if (instr[first] == '=') return false;
    return instr.find_first_of(" \t\r\n\"\\", first) == std::string::npos;
  }

  void fieldChar(const std::string& type) {
    if (type == "begin") {
      // A nested field's result becomes part of the outer instruction, so a
      // field whose name is not complete when a nested one starts
      // ({ {QUOTE 68 68 69} ...}, { DD{QUOTE 69} ...}) cannot be judged by its
      // text: refuse it. Formula fields ({ ={PAGE}+1 }) name nothing.
      if (!fields_.empty() && !fields_.back().inResult && nameOpen(fields_.back().instr))
        hit("w:instrText", "Word field", "field whose name is built by a nested field",
            "入れ子のフィールドで名前を組み立てるフィールド");
      if (fields_.size() < 64) fields_.push_back({});
      else fields_.back() = {};  // absurd nesting: judge the innermost ones only
    } else if ((type == "separate" || type == "end") && !fields_.empty()) {
      Field& f = fields_.back();
      if (!f.inResult) judgeInstr(f.instr, "w:instrText");
      f.inResult = true;
      if (type == "end") fields_.pop_back();
    }
  }

  ScanContext& ctx_;
  std::size_t elements_ = 0;
  bool inBinData_ = false;
  std::string binName_, binText_;
  int inInstr_ = 0;
  std::vector<Field> fields_;
  std::string stray_;
};

Scanner* scannerOf(void* ctx) { return static_cast<Scanner*>(static_cast<xmlParserCtxt*>(ctx)->_private); }

void onStart(void* ctx, const xmlChar* local, const xmlChar*, const xmlChar* uri, int, const xmlChar**, int nAttrs, int,
             const xmlChar** attrs) {
  if (!scannerOf(ctx)->start(sv(local), sv(uri), attrs, nAttrs)) xmlStopParser(static_cast<xmlParserCtxt*>(ctx));
}
void onEnd(void* ctx, const xmlChar* local, const xmlChar*, const xmlChar* uri) { scannerOf(ctx)->end(sv(local), sv(uri)); }
void onText(void* ctx, const xmlChar* ch, int len) {
  scannerOf(ctx)->text(std::string_view(reinterpret_cast<const char*>(ch), static_cast<std::size_t>(len)));
}
// <!DOCTYPE ...>: stop before the internal subset is parsed.
void onDoctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  scannerOf(ctx)->doctype = true;
  xmlStopParser(static_cast<xmlParserCtxt*>(ctx));
}

struct CtxtFree {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

}  // namespace

Result cleanFlatXml(std::string_view bytes, ScanContext& ctx) {
  if (bytes.size() > static_cast<std::size_t>(INT_MAX))
    return Result::refuse("office.unreadable", "XML document too large", "XML 文書が大きすぎます");
  initLibxml2();
  std::unique_ptr<xmlParserCtxt, CtxtFree> ctxt(xmlCreateMemoryParserCtxt(bytes.data(), static_cast<int>(bytes.size())));
  if (!ctxt) return Result::refuse("office.unreadable", "XML parser unavailable", "XML を読み取れません");
  Scanner scanner(ctx);
  xmlSAXHandler* sax = ctxt->sax;
  std::memset(sax, 0, sizeof *sax);
  sax->initialized = XML_SAX2_MAGIC;
  sax->startElementNs = onStart;
  sax->endElementNs = onEnd;
  sax->characters = onText;
  sax->cdataBlock = onText;
  sax->internalSubset = onDoctype;
  ctxt->_private = &scanner;
  // No XML_PARSE_NOENT (no substitution), no DTDLOAD/DTDATTR, no HUGE.
  xmlCtxtUseOptions(ctxt.get(), XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  const int rc = xmlParseDocument(ctxt.get());
  const bool wellFormed = rc == 0 && ctxt->wellFormed;
  if (scanner.doctype)
    return Result::refuse("office.flat_active", "XML with a document type declaration (DTD, entities): Office never writes one",
                          "文書型宣言（DTD・エンティティ）を含む XML です（Office は作成しません）", "<!DOCTYPE>");
  if (scanner.timeUp)
    return Result::refuse("limit.time", "time limit reached while checking the XML document", "XML 文書の検査が制限時間を超えました");
  if (!wellFormed) return Result::refuse("office.unreadable", "XML document is not well-formed", "XML 文書の形式が壊れています");
  scanner.finish();
  if (scanner.total == 0) return Result::clean();
  Result r;
  r.outcome = Outcome::Refuse;
  r.removals = capRemovals(scanner.hits, scanner.total, "office.flat_active");
  r.removals.front().detail = "Office XML document with active content: " + r.removals.front().detail;
  r.removals.front().detailJa = "危険な要素を含む Office XML 文書: " + r.removals.front().detailJa;
  return r;
}

}  // namespace mugai::sanitizers::office_cdr::flat
