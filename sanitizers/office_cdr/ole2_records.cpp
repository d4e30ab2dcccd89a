// See ole2_records.h. Record layouts: [MS-DOC] 2.5.2 FibBase, [MS-XLS]
// 2.4 (records) and 2.5.198 (Lbl built-in names), [MS-PPT] 2.3.1
// RecordHeader and 2.13.24 RecordType.
#include "sanitizers/office_cdr/ole2_records.h"

#include <cctype>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "core/node.h"
namespace mugai::sanitizers::office_cdr {
namespace {

std::uint16_t le16(std::string_view s, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(s[at]) | static_cast<unsigned char>(s[at + 1]) << 8);
}
std::uint32_t le32(std::string_view s, std::size_t at) { return le16(s, at) | std::uint32_t{le16(s, at + 2)} << 16; }
unsigned byteAt(std::string_view s, std::size_t at) { return static_cast<unsigned char>(s[at]); }

Removal make(std::string code, std::string where, std::string type, std::string detail, std::string detailJa) {
  return {std::move(code), std::move(where), std::move(type), std::move(detail), std::move(detailJa), 0};
}

constexpr const char* kEncryptedJa = "パスワードで保護された文書は中身を検査できないため削除しました";

// ---- Word ------------------------------------------------------------------

// The fields Word evaluates by fetching or running something outside the
// document. Longest first, so "DDEAUTO" is not read as "DDE".
struct FieldKind {
  std::string_view keyword;
  const char* type;
};
constexpr FieldKind kFields[] = {{"DDEAUTO", "DDE field"}, {"DDE", "DDE field"},
                                 {"INCLUDETEXT", "INCLUDETEXT field"}, {"INCLUDEPICTURE", "INCLUDEPICTURE field"},
                                 {"IMPORT", "IMPORT field"}};

// The character of the instruction at index `k`, in 8-bit (step 1) or
// UTF-16LE (step 2: the high byte must be zero) form; -1 past the end.
int charAt(std::string_view s, std::size_t start, std::size_t k, std::size_t step) {
  const std::size_t at = start + k * step;
  if (at + step > s.size()) return -1;
  if (step == 2 && s[at + 1] != 0) return -1;
  return static_cast<unsigned char>(s[at]);
}

// After a field begin mark at `pos`: up to 32 spaces, then a keyword
// (any case) that is not the prefix of a longer word.
const FieldKind* fieldAt(std::string_view s, std::size_t pos, std::size_t step) {
  std::size_t k = 1;
  while (k < 33 && charAt(s, pos, k, step) == ' ') ++k;
  for (const FieldKind& f : kFields) {
    std::size_t i = 0;
    while (i < f.keyword.size() && std::toupper(charAt(s, pos, k + i, step)) == f.keyword[i]) ++i;
    if (i < f.keyword.size()) continue;
    const int next = charAt(s, pos, k + i, step);
    if (next < 0 || !std::isalnum(next)) return &f;
  }
  return nullptr;
}

}  // namespace

StreamFindings checkWordDocument(std::string_view s) {
  StreamFindings out;
  if (s.size() < 0x20) {
    out.malformed = true;
    return out;
  }
  const std::uint16_t nFib = le16(s, 0x02), flags = le16(s, 0x0A);
  if (flags & 0x0100) {  // FibBase.fEncrypted (fObfuscated, 0x8000, only says which cipher)
    out.removals.push_back(make("office.encrypted", "WordDocument", "encrypted Word document",
                                "password-protected document: its content cannot be inspected", kEncryptedJa));
    return out;  // the text is ciphertext: nothing more to read
  }
  if (nFib < 101) {  // Word 6.0/95: WordBasic macros are stored inside this stream
    out.removals.push_back(make("office.legacy_macros", "WordDocument", "Word 6/95 document",
                                "Word 6/95 document: its WordBasic macros cannot be checked",
                                "マクロ（WordBasic）を検査できない Word 6/95 形式の文書のため削除しました"));
  }
  std::map<std::string_view, std::size_t> seen;
  for (std::size_t pos = s.find('\x13'); pos != std::string_view::npos; pos = s.find('\x13', pos + 1)) {
    const FieldKind* f = fieldAt(s, pos, 1);
    if (f == nullptr && pos + 1 < s.size() && s[pos + 1] == 0) f = fieldAt(s, pos, 2);
    if (f != nullptr) ++seen[f->keyword];
  }
  for (const FieldKind& f : kFields) {
    auto it = seen.find(f.keyword);
    if (it == seen.end()) continue;
    const bool dde = f.keyword.substr(0, 3) == "DDE";
    const std::string n = std::to_string(it->second);
    out.removals.push_back(make(
        "office.legacy_dde", "WordDocument", f.type,
        n + " " + std::string(f.keyword) + " field(s): " + (dde ? "runs another program (DDE)" : "fetches an outside file"),
        dde ? "外部のプログラムを呼び出す DDE フィールド（" + n + " 件）を含む旧形式の Word 文書のため削除しました"
            : "外部のファイルを読み込む " + std::string(f.keyword) + " フィールド（" + n +
                  " 件）を含む旧形式の Word 文書のため削除しました"));
  }
  return out;
}

namespace {

// ---- Excel -----------------------------------------------------------------

// A BIFF string's characters as 8-bit text (UTF-16 code units above 0xFF
// become '?'): enough to show a sheet name and match "Auto_Open".
std::string biffChars(std::string_view body, std::size_t at, std::size_t cch, bool wide) {
  std::string out;
  for (std::size_t i = 0; i < cch; ++i) {
    const std::size_t p = at + i * (wide ? 2 : 1);
    if (p + (wide ? 2 : 1) > body.size()) break;
    const unsigned c = wide ? le16(body, p) : byteAt(body, p);
    out += c < 0x100 ? static_cast<char>(c) : '?';
  }
  return out;
}


void boundSheet(std::string_view body, bool biff8, StreamFindings& out) {
  if (body.size() < 7) return;
  const unsigned dt = byteAt(body, 5);
  if (dt != 1 && dt != 6) return;
  const std::size_t cch = byteAt(body, 6);
  const std::string name = biff8 ? (body.size() > 7 ? biffChars(body, 8, cch, byteAt(body, 7) & 1) : "")
                                 : biffChars(body, 7, cch, false);
  if (dt == 1)
    out.removals.push_back(make("office.legacy_xlm", "Workbook", "Excel 4.0 macro sheet",
                                "Excel 4.0 (XLM) macro sheet \"" + name + "\"",
                                "Excel 4.0 マクロシート「" + name + "」を含むため削除しました"));
  else
    out.removals.push_back(make("office.legacy_macros", "Workbook", "VBA module sheet",
                                "Excel 5.0 VBA module sheet \"" + name + "\"",
                                "VBA モジュールシート「" + name + "」を含むため削除しました"));
}

// Lbl (NAME): flags, chKey, cch, cce, ixals/reserved, itab, 4 bytes, then
// the name at 14 (BIFF8: a high-byte flag first). A built-in name is one
// character: 0x01 Auto_Open, 0x02 Auto_Close, 0x0A Auto_Activate,
// 0x0B Auto_Deactivate. Excel also runs ordinary names that begin with
// "Auto_Open" (malware writes "Auto_Open2" to dodge exact matches).
void label(std::string_view body, bool biff8, StreamFindings& out) {
  if (body.size() < 15) return;
  const bool builtin = le16(body, 0) & 0x0020;
  const std::size_t cch = byteAt(body, 3);
  const bool wide = biff8 && (byteAt(body, 14) & 1);
  const std::string name = biffChars(body, biff8 ? 15 : 14, cch, wide);
  std::string what;
  if (builtin && !name.empty()) {
    switch (static_cast<unsigned char>(name[0])) {
      case 0x01: what = "Auto_Open"; break;
      case 0x02: what = "Auto_Close"; break;
      case 0x0A: what = "Auto_Activate"; break;
      case 0x0B: what = "Auto_Deactivate"; break;
      default: break;
    }
  } else if (startsWithIgnoreCase(name, "auto_open") || startsWithIgnoreCase(name, "auto_close")) {
    what = name;
  }
  if (what.empty()) return;
  out.removals.push_back(make("office.legacy_xlm", "Workbook", "Excel macro name",
                              "name \"" + what + "\" runs an Excel 4.0 macro when the workbook opens or closes",
                              "開閉時に自動実行されるマクロ名「" + what + "」を含むため削除しました"));
}

// SupBook: ctab, cch, virtPath. Self-references (cch 0x0401) and add-in
// functions (0x3A01) are not links. A DDE or OLE link names no sheet
// (ctab 0) and reads "application 0x03 topic"; an external workbook's
// encoded path starts with a control character (0x01 volume, 0x02 ...).
void supBook(std::string_view body, StreamFindings& out) {
  if (body.size() < 5) return;
  const std::uint16_t ctab = le16(body, 0), cch = le16(body, 2);
  if (cch == 0x0401 || cch == 0x3A01 || ctab != 0) return;
  const std::string path = biffChars(body, 5, cch, byteAt(body, 4) & 1);
  const std::size_t sep = path.find('\x03');
  if (path.empty() || static_cast<unsigned char>(path[0]) < 0x20 || sep == std::string::npos) return;
  const std::string app = path.substr(0, sep);
  out.removals.push_back(make("office.legacy_dde", "Workbook", "DDE/OLE link",
                              "link to program \"" + app + "\" (DDE or OLE link)",
                              "外部のプログラム「" + app + "」を呼び出すリンク（DDE/OLE）を含むため削除しました"));
}

void externName(std::string_view body, StreamFindings& out) {
  if (body.size() < 2) return;
  const std::uint16_t flags = le16(body, 0);
  if ((flags & 0x0018) == 0) return;  // fOle (0x0008), fOleLink (0x0010)
  out.removals.push_back(make("office.legacy_dde", "Workbook", "OLE link", "external name of an OLE link",
                              "外部の OLE オブジェクトへのリンクを含むため削除しました"));
}

StreamFindings checkGlobals(std::string_view s) {
  StreamFindings out;
  // The globals substream: from the first BOF to its EOF. Records are
  // type (u16), length (u16), body; the first must be a BOF.
  if (s.size() < 8 || (le16(s, 0) & 0x00FF) != 0x09) {
    out.malformed = true;
    return out;
  }
  const bool biff8 = le16(s, 4) == 0x0600;
  for (std::size_t pos = 0;;) {
    if (pos + 4 > s.size()) {
      out.malformed = true;  // the globals end without an EOF
      return out;
    }
    const std::uint16_t type = le16(s, pos), len = le16(s, pos + 2);
    if (pos + 4 + len > s.size()) {
      out.malformed = true;
      return out;
    }
    const std::string_view body = s.substr(pos + 4, len);
    pos += 4 + std::size_t{len};
    switch (type) {
      case 0x000A: return out;  // EOF of the globals
      case 0x002F:              // FilePass: every later body is ciphertext
        out.removals.insert(out.removals.begin(),
                            make("office.encrypted", "Workbook", "encrypted Excel workbook",
                                 "password-protected workbook: its content cannot be inspected", kEncryptedJa));
        return out;
      case 0x0085: boundSheet(body, biff8, out); break;
      case 0x0018: label(body, biff8, out); break;
      case 0x01AE: supBook(body, out); break;
      case 0x0023: externName(body, out); break;
      default: break;
    }
  }
}

}  // namespace

StreamFindings checkWorkbook(std::string_view s, std::string_view name) {
  StreamFindings out = checkGlobals(s);
  for (Removal& r : out.removals) r.where = name;
  return out;
}

namespace {

// ---- PowerPoint ------------------------------------------------------------

struct PptCounts {
  std::size_t vba = 0, embeds = 0, links = 0, controls = 0, storages = 0;
  bool encrypted = false;
};

void count(std::uint16_t type, PptCounts& c) {
  switch (type) {
    case 0x2F14: c.encrypted = true; break;  // RT_CryptSession10Container
    case 0x03FF:                              // RT_VbaInfo
    case 0x0400: c.vba = 1; break;           // RT_VbaInfoAtom
    case 0x0FCC: ++c.embeds; break;          // RT_ExternalOleEmbed
    case 0x0FCE: ++c.links; break;           // RT_ExternalOleLink
    case 0x0FEE: ++c.controls; break;        // RT_ExternalOleControl (ActiveX)
    case 0x1011: ++c.storages; break;        // RT_ExternalOleObjectStg (objects and the VBA project)
    default: break;
  }
}

// Walks the record tree: an 8-byte header (recVer:4 recInstance:12, type,
// length); recVer 0xF is a container whose body is more records. Each
// record must fit inside its parent; the stack holds the parents' ends.
bool walkPpt(std::string_view s, PptCounts& c) {
  std::vector<std::size_t> ends{s.size()};
  for (std::size_t pos = 0; pos < s.size();) {
    while (pos == ends.back() && ends.size() > 1) ends.pop_back();
    if (pos + 8 > ends.back()) return false;
    const std::uint16_t verInst = le16(s, pos), type = le16(s, pos + 2);
    const std::uint32_t len = le32(s, pos + 4);
    if (len > ends.back() - pos - 8) return false;
    count(type, c);
    if (c.encrypted) return true;  // what follows is ciphertext
    pos += 8;
    if ((verInst & 0x000F) == 0x000F) ends.push_back(pos + len);
    else pos += len;
  }
  return true;
}

}  // namespace

StreamFindings checkPptDocument(std::string_view s) {
  StreamFindings out;
  PptCounts c;
  const bool whole = walkPpt(s, c);
  // In an encrypted presentation the records past the unencrypted ones are
  // ciphertext, so the walk may stop short of the CryptSession10Container:
  // look for its header (recVer 0xF, instance 0, type 0x2F14) directly.
  if (!whole && s.find(std::string_view("\x0F\x00\x14\x2F", 4)) != std::string_view::npos) c.encrypted = true;
  if (c.encrypted) {
    out.removals.push_back(make("office.encrypted", "PowerPoint Document", "encrypted PowerPoint presentation",
                                "password-protected presentation: its content cannot be inspected", kEncryptedJa));
    return out;
  }
  out.malformed = !whole;
  if (c.vba)
    out.removals.push_back(make("office.legacy_macros", "PowerPoint Document", "VBA project",
                                "VBA project (macros) stored in the presentation",
                                "VBA マクロを含む旧形式の PowerPoint 文書のため削除しました"));
  auto objects = [&](std::size_t n, const char* type, const char* what, const char* ja) {
    if (n == 0) return;
    out.removals.push_back(make("office.legacy_object", "PowerPoint Document", type,
                                std::to_string(n) + " " + what, std::string(ja) + "（" + std::to_string(n) + " 件）を含む旧形式の PowerPoint 文書のため削除しました"));
  };
  objects(c.embeds, "embedded OLE object", "embedded OLE object(s)", "埋め込みオブジェクト");
  objects(c.links, "linked OLE object", "linked OLE object(s)", "外部にリンクしたオブジェクト");
  objects(c.controls, "ActiveX control", "ActiveX control(s)", "ActiveX コントロール");
  // An object storage no container accounts for (the VBA project takes one).
  if (c.embeds + c.links + c.controls == 0 && c.storages > c.vba)
    objects(c.storages - c.vba, "OLE object storage", "OLE object storage(s)", "埋め込みオブジェクト");
  return out;
}

}  // namespace mugai::sanitizers::office_cdr
