// See ooxml_rules.h. Content and relationship types: ECMA-376 Part 1
// (15.2) and Microsoft's [MS-OFFMACRO2], [MS-OI29500] extensions.
#include "sanitizers/office_cdr/ooxml_rules.h"

#include <array>

#include "core/node.h"

namespace mugai::sanitizers::office_cdr {
namespace {

bool has(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

constexpr PartVerdict kVba{"office.vba_removed", "VBA macro project removed", "VBA マクロを削除しました"};
constexpr PartVerdict kXlm{"office.xlm_removed", "Excel 4.0 (XLM) macro sheet removed", "Excel 4.0 マクロシートを削除しました"};
constexpr PartVerdict kOle{"office.ole_object_removed", "embedded object removed (its picture stays)",
                           "埋め込みオブジェクトを削除しました（表示用の画像は残しています）"};
constexpr PartVerdict kActiveX{"office.activex_removed", "ActiveX control removed", "ActiveX コントロールを削除しました"};
constexpr PartVerdict kConnection{"office.data_connection_removed", "external data connection or query removed",
                                  "外部データ接続・クエリを削除しました"};
constexpr PartVerdict kAddin{"office.addin_removed", "web add-in removed", "Web アドインを削除しました"};
constexpr PartVerdict kCustomUi{"office.customui_removed", "custom ribbon (customUI) with callbacks removed",
                                "独自リボン（customUI）を削除しました"};
constexpr PartVerdict kAltChunk{"office.altchunk_removed", "imported content (altChunk) removed",
                                "取り込まれた外部形式の内容（altChunk）を削除しました"};
constexpr PartVerdict kExternal{"office.external_relationship_removed",
                                "link to an outside resource removed (template, object, workbook, frame or picture)",
                                "外部への参照（テンプレート・オブジェクト・ブック・フレーム・画像）を削除しました"};
constexpr PartVerdict kDde{"office.dde_removed", "DDE field removed (its last result text stays)",
                           "DDE フィールドを削除しました（表示されていた文字は残しています）"};
constexpr PartVerdict kField{"office.field_removed", "field that fetches or runs something removed (its result text stays)",
                             "外部を読み込む・実行するフィールドを削除しました（表示されていた文字は残しています）"};
constexpr PartVerdict kLink{"office.hyperlink_removed", "hyperlink removed (its text stays)",
                            "ハイパーリンクを削除しました（文字は残しています）"};

// Fields that only compute from the document itself (ECMA-376 17.16.5).
constexpr std::array<std::string_view, 62> kHarmlessFields{
    "=",          "ADVANCE",     "ASK",        "AUTHOR",       "AUTONUM",     "AUTONUMLGL", "AUTONUMOUT",
    "BARCODE",    "BIDIOUTLINE", "COMMENTS",   "COMPARE",      "CREATEDATE",  "DATE",       "DISPLAYBARCODE",
    "DOCPROPERTY", "DOCVARIABLE", "EDITTIME",  "EQ",           "FILENAME",    "FILESIZE",   "FILLIN",
    "FORMCHECKBOX", "FORMDROPDOWN", "FORMTEXT", "GOTOBUTTON",  "GREETINGLINE", "IF",        "INDEX",
    "INFO",       "KEYWORDS",    "LASTSAVEDBY", "LISTNUM",     "MERGEFIELD",  "MERGEREC",   "MERGESEQ",
    "NEXT",       "NEXTIF",      "NOTEREF",    "NUMCHARS",     "NUMPAGES",    "NUMWORDS",   "PAGE",
    "PAGEREF",    "PRINTDATE",   "QUOTE",      "REF",          "REVNUM",      "SAVEDATE",   "SECTION",
    "SECTIONPAGES", "SEQ",       "SET",        "SKIPIF",       "STYLEREF",    "SUBJECT",    "SYMBOL",
    "TA",         "TC",          "TEMPLATE",   "TIME",         "TITLE",       "TOA"};
constexpr std::array<std::string_view, 7> kMoreHarmlessFields{"TOC", "USERADDRESS", "USERINITIALS", "USERNAME",
                                                              "XE", "BIBLIOGRAPHY", "CITATION"};

}  // namespace

std::optional<PartVerdict> activePart(std::string_view contentType, std::string_view relType, std::string_view name) {
  const std::string t = toLower(contentType), n = toLower(name);
  // Relationship types are URIs: compare their last segment, never a
  // substring (".../package/2006/relationships/metadata/core-properties"
  // is not an embedded package).
  const std::string r = toLower(relType);
  const std::string rel = r.substr(r.rfind('/') == std::string::npos ? 0 : r.rfind('/') + 1);
  if (has(t, "vbaproject") || has(t, "vbadata") || rel == "vbaproject" || rel == "wordvbadata" ||
      has(t, "keymapcustomizations") || rel == "keymapcustomizations")
    return kVba;
  if (has(t, "macrosheet") || rel == "xlmacrosheet" || rel == "xlintlmacrosheet" || n.rfind("xl/macrosheets/", 0) == 0)
    return kXlm;
  if (has(t, "activex") || rel == "control" || has(n, "/activex/")) return kActiveX;
  if (has(t, "oleobject") || rel == "oleobject" || rel == "package" || has(n, "/embeddings/")) return kOle;
  if (has(t, "connections+xml") || has(t, "querytable") || rel == "connections" || rel == "querytable" ||
      has(t, "powerpivot") || n.rfind("xl/model/", 0) == 0)
    return kConnection;
  if (has(t, "webextension") || has(rel, "webextension") || has(n, "webextensions/")) return kAddin;
  if (rel == "extensibility" || n.rfind("customui/", 0) == 0) return kCustomUi;
  if (rel == "afchunk") return kAltChunk;
  return std::nullopt;
}

std::optional<PartVerdict> activeRelationship(std::string_view relType) {
  const std::string r = toLower(relType);
  const std::string rel = r.substr(r.rfind('/') == std::string::npos ? 0 : r.rfind('/') + 1);
  if (rel == "oleobject" || rel == "package") return kOle;
  if (rel == "attachedtemplate" || rel == "subdocument" || rel == "frame" || rel == "externallinkpath") return kExternal;
  return activePart("", relType, "");
}

bool isHyperlinkRelationship(std::string_view relType) { return toLower(relType).ends_with("/hyperlink"); }

std::optional<PartVerdict> activeField(std::string_view instruction) {
  std::size_t i = 0;
  // Word skips blanks and a leading backslash-less quote before the name.
  while (i < instruction.size() && (instruction[i] == ' ' || instruction[i] == '\t' || instruction[i] == '"' ||
                                    instruction[i] == '\r' || instruction[i] == '\n'))
    ++i;
  std::size_t j = i;
  if (j < instruction.size() && instruction[j] == '=') ++j;
  else
    while (j < instruction.size() && instruction[j] != ' ' && instruction[j] != '\t' && instruction[j] != '\\' &&
           instruction[j] != '"')
      ++j;
  std::string word(instruction.substr(i, j - i));
  for (auto& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (word.empty()) return kField;
  if (word == "DDE" || word == "DDEAUTO") return kDde;
  if (word == "HYPERLINK") return kLink;
  for (auto w : kHarmlessFields)
    if (w == word) return std::nullopt;
  for (auto w : kMoreHarmlessFields)
    if (w == word) return std::nullopt;
  return kField;
}

std::optional<MacroFree> macroFreeTwin(std::string_view mainType) {
  static constexpr std::array<std::pair<std::string_view, MacroFree>, 10> kTwins{{
      {"application/vnd.ms-word.document.macroenabled.main+xml",
       {"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}},
      {"application/vnd.ms-word.template.macroenabledtemplate.main+xml",
       {"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml", "dotx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template"}},
      {"application/vnd.ms-excel.sheet.macroenabled.main+xml",
       {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}},
      {"application/vnd.ms-excel.template.macroenabled.main+xml",
       {"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml", "xltx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template"}},
      {"application/vnd.ms-excel.addin.macroenabled.main+xml",
       {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}},
      {"application/vnd.ms-powerpoint.presentation.macroenabled.main+xml",
       {"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"}},
      {"application/vnd.ms-powerpoint.slideshow.macroenabled.main+xml",
       {"application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml", "ppsx",
        "application/vnd.openxmlformats-officedocument.presentationml.slideshow"}},
      {"application/vnd.ms-powerpoint.template.macroenabled.main+xml",
       {"application/vnd.openxmlformats-officedocument.presentationml.template.main+xml", "potx",
        "application/vnd.openxmlformats-officedocument.presentationml.template"}},
      {"application/vnd.ms-powerpoint.addin.macroenabled.main+xml",
       {"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"}},
      {"application/vnd.ms-word.addin.macroenabled.main+xml",
       {"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}},
  }};
  const std::string t = toLower(mainType);
  for (const auto& [from, to] : kTwins)
    if (t == from) return to;
  return std::nullopt;
}

std::string macroFreeExtension(std::string_view extension) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kExt{{
      {"docm", "docx"}, {"dotm", "dotx"}, {"xlsm", "xlsx"}, {"xltm", "xltx"}, {"xlam", "xlsx"},
      {"pptm", "pptx"}, {"ppsm", "ppsx"}, {"potm", "potx"}, {"ppam", "pptx"}}};
  const std::string e = toLower(extension);
  for (const auto& [from, to] : kExt)
    if (e == from) return std::string(to);
  return "";
}

bool harmlessBinaryType(std::string_view contentType) {
  const std::string t = toLower(contentType);
  return t.rfind("image/", 0) == 0 || t.rfind("audio/", 0) == 0 || t.rfind("video/", 0) == 0 ||
         has(t, "obfuscatedfont") || has(t, "font") || has(t, "printersettings") || t == "application/vnd.ms-office.chartcolorstyle+xml";
}

bool isDdeFormula(std::string_view f) {
  bool inString = false;
  for (char c : f) {
    if (c == '"') inString = !inString;
    else if (c == '|' && !inString) return true;
  }
  return false;
}

bool isAutoRunName(std::string_view name) {
  std::string n = toLower(name);
  if (n.rfind("_xlnm.", 0) == 0) n.erase(0, 6);
  if (n.rfind("excel_builtin_", 0) == 0) n.erase(0, 14);  // LibreOffice's spelling of a converted Auto_Open
  for (std::string_view p : {"auto_open", "auto_close", "auto_activate", "auto_deactivate"})
    if (n.rfind(p, 0) == 0) return true;
  return false;
}

}  // namespace mugai::sanitizers::office_cdr
