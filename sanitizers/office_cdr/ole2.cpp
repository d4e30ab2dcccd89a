// See ole2.h. The compound file is listed and read by libgsf (ole2_tree.h
// says why libgsf, and how its weak spots on hostile directories are
// closed by ole2_cfb.h first); this file judges the storage and stream
// names, and ole2_records.h the records inside the three document streams.
// Legacy binaries are never rebuilt in place: under legacy = "remove" a
// file with anything active is refused, one Removal per thing found, the
// weightiest first; under legacy = "convert" the same file is converted to
// OOXML by a confined LibreOffice and cleaned as OOXML (convert.h), unless
// it is encrypted or could not be judged whole. An encrypted file is
// refused (office.encrypted) under encrypted = "remove"; under "password"
// it is opened with the message's passwords and the decrypted document
// judged in its place (decrypt.h).
// Trust: the file is hostile; names and records are matched, never
// executed or decompressed. How it fails: a file libgsf cannot read whole
// is office.unreadable, a breached bound is the limit's code. Never throws.
#include "sanitizers/office_cdr/ole2.h"

#include <algorithm>
#include <cstdio>

#include "sanitizers/office_cdr/convert.h"
#include "sanitizers/office_cdr/decrypt.h"
#include "sanitizers/office_cdr/ole2_records.h"
#include "sanitizers/office_cdr/ole2_tree.h"

namespace mugai::sanitizers::office_cdr {
namespace {

bool isDocumentStream(std::string_view name) {
  for (std::string_view doc : {"WordDocument", "Workbook", "Book", "PowerPoint Document", "EncryptedPackage", "EncryptionInfo"})
    if (oleNameIs(name, doc)) return true;
  return false;
}

// Storage names shown with their control characters spelled out
// ("\x01Ole10Native" reads as \x01Ole10Native, not an invisible byte).
std::string printable(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned char>(c));
      out += hex;
    } else {
      out += c;
    }
  }
  return out;
}

bool under(const std::string& path, const std::vector<std::string>& roots) {
  return std::any_of(roots.begin(), roots.end(), [&](const std::string& r) {
    return path.size() > r.size() && path.compare(0, r.size(), r) == 0 && path[r.size()] == '/';
  });
}

std::string parentOf(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// Streams that only an OLE object's storage holds ([MS-OLEDS] 2.3).
bool isObjectStream(std::string_view name) {
  for (std::string_view obj : {"\x01Ole", "\x01Ole10Native", "\x01" "CompObj", "Equation Native", "\x03ObjInfo"})
    if (oleNameIs(name, obj)) return true;
  return false;
}

Removal vbaRemoval(const std::string& path) {
  return {"office.legacy_macros", printable(path), "VBA project", "VBA project (macros) in storage " + printable(path),
          "VBA マクロを含む旧形式の Office 文書のため削除しました", 0};
}

Removal objectRemoval(const std::string& path, bool linked) {
  return {"office.legacy_object", printable(path), linked ? "linked OLE object" : "OLE2 storage",
          std::string(linked ? "linked" : "embedded") + " OLE object in storage " + printable(path),
          linked ? "外部にリンクしたオブジェクトを含む旧形式の Office 文書のため削除しました"
                 : "埋め込みオブジェクトを含む旧形式の Office 文書のため削除しました",
          0};
}

// The names: encryption wrappers, VBA projects, object storages. Entries
// inside a storage already reported are not reported again (a VBA form is
// a storage with a \x01CompObj, but it belongs to its project).
void judgeNames(const OleTree& tree, std::vector<Removal>& out) {
  std::vector<const OleEntry*> sorted;
  for (const auto& e : tree.entries) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(), [](const OleEntry* a, const OleEntry* b) { return a->path < b->path; });
  std::vector<std::string> reported;
  // Storages that hold an object stream, a VBA "dir" or a PROJECT stream.
  std::vector<std::string> objectHolders, vbaHolders;
  for (const OleEntry* e : sorted) {
    if (e->storage || e->depth < 2) continue;
    if (isObjectStream(e->name)) objectHolders.push_back(parentOf(e->path));
    if (oleNameIs(e->name, "PROJECT") || oleNameIs(e->name, "dir") || oleNameIs(e->name, "_VBA_PROJECT")) vbaHolders.push_back(parentOf(e->path));
  }
  auto holds = [](const std::vector<std::string>& v, const std::string& p) { return std::find(v.begin(), v.end(), p) != v.end(); };
  bool encrypted = false;
  for (const OleEntry* e : sorted) {
    const std::string& p = e->path;
    if (e->depth == 1 && !e->storage && (oleNameIs(e->name, "EncryptedPackage") || oleNameIs(e->name, "EncryptionInfo") ||
                                          oleNameIs(e->name, "EncryptedSummary"))) {
      if (!encrypted)
        out.push_back({"office.encrypted", printable(p), "encrypted Office document",
                       "password-protected document (" + e->name + "): its content cannot be inspected",
                       "パスワードで保護された文書は中身を検査できないため削除しました", 0});
      encrypted = true;
      continue;
    }
    if (!e->storage || under(p, reported)) continue;
    const bool vba = oleNameIs(e->name, "_VBA_PROJECT_CUR") || oleNameIs(e->name, "Macros") || holds(vbaHolders, p);
    const bool pooled = e->depth == 2 && oleNameIs(parentOf(p), "ObjectPool");
    const bool linked = e->depth == 1 && oleNameStarts(e->name, "LNK");
    const bool embedded = (e->depth == 1 && oleNameStarts(e->name, "MBD")) || pooled || holds(objectHolders, p);
    if (vba) out.push_back(vbaRemoval(p));
    else if (linked || embedded) out.push_back(objectRemoval(p, linked));
    else continue;
    reported.push_back(p);
  }
  // A root-level object stream other than \x01CompObj/\x01Ole: the file is
  // itself an object package, not a document.
  for (const auto& e : tree.entries)
    if (e.depth == 1 && !e.storage && (oleNameIs(e.name, "\x01Ole10Native") || oleNameIs(e.name, "Equation Native")))
      out.push_back(objectRemoval(e.path, false));
}

int weight(const std::string& code) {
  static constexpr std::string_view kOrder[] = {"office.encrypted", "office.legacy_macros", "office.legacy_xlm",
                                                "office.legacy_dde", "office.legacy_object"};
  for (std::size_t i = 0; i < std::size(kOrder); ++i)
    if (code == kOrder[i]) return static_cast<int>(i);
  return static_cast<int>(std::size(kOrder));
}

// Whether every finding is active content conversion leaves out (not an
// encryption, nothing unknown).
bool convertible(const std::vector<Removal>& found) {
  return std::all_of(found.begin(), found.end(), [](const Removal& r) {
    return r.code == "office.legacy_macros" || r.code == "office.legacy_xlm" || r.code == "office.legacy_object" ||
           r.code == "office.legacy_dde";
  });
}

// Which application the compound file is for, by its root streams.
bool kindOf(const OleTree& tree, LegacyKind& kind) {
  auto has = [&](std::string_view name) {
    return std::any_of(tree.entries.begin(), tree.entries.end(),
                       [&](const OleEntry& e) { return e.depth == 1 && !e.storage && oleNameIs(e.name, name); });
  };
  if (has("WordDocument")) kind = LegacyKind::Word;
  else if (has("Workbook") || has("Book")) kind = LegacyKind::Excel;
  else if (has("PowerPoint Document")) kind = LegacyKind::PowerPoint;
  else return false;
  return true;
}

Result unreadable(std::string detail) {
  return Result::refuse("office.unreadable", "damaged compound file: " + detail,
                        "壊れていて読み取れない Office 文書のため削除しました");
}

}  // namespace

bool isOfficeOle2(std::string_view bytes) {
  bool opened = false;
  const std::vector<std::string> names = oleRootNames(bytes, opened);
  // A compound file whose structure we cannot read is claimed, so that
  // cleanOle2 refuses it: Office opens damaged files, and one of those must
  // not pass as "not a document" because we could not see its names. The
  // cost: a damaged .msi or .msg is refused as an unreadable Office file
  // instead of going to the later stages (which could not read it either).
  if (!opened) return true;
  return std::any_of(names.begin(), names.end(), isDocumentStream);
}

Result cleanOle2(std::string_view bytes, const Options& options, ScanContext& ctx) {
  OleLimits limits;
  limits.maxEntries = std::min<std::size_t>(limits.maxEntries, options.maxParts);
  limits.maxStreamBytes = options.maxPartBytes;
  const OleTree tree = readOleTree(bytes, limits, ctx);
  if (tree.failCode == "office.unreadable") return unreadable(tree.failDetail);
  if (!tree.failCode.empty())
    return Result::refuse(tree.failCode, tree.failDetail, "文書が大きすぎる、または複雑すぎるため検査できず削除しました");

  std::vector<Removal> found;
  judgeNames(tree, found);
  bool malformed = false;
  auto take = [&](const std::string& stream, auto check) {
    if (stream.empty()) return;
    StreamFindings f = check(stream);
    found.insert(found.end(), f.removals.begin(), f.removals.end());
    malformed = malformed || f.malformed;  // its records were not checked to the end
  };
  take(tree.wordDocument, checkWordDocument);
  take(tree.workbook, [&](std::string_view s) { return checkWorkbook(s, tree.workbookName); });
  take(tree.pptDocument, checkPptDocument);
  std::stable_sort(found.begin(), found.end(), [](const Removal& a, const Removal& b) { return weight(a.code) < weight(b.code); });
  const bool encrypted = !found.empty() && found.front().code == "office.encrypted";
  if (encrypted && options.encrypted == EncryptedPolicy::Password) return openEncrypted(bytes, options, ctx);
  if (malformed && !encrypted) return unreadable("the document's records do not fit their stream");
  if (found.empty()) return Result::clean();
  LegacyKind kind{};
  if (options.legacy == LegacyPolicy::Convert && convertible(found) && kindOf(tree, kind))
    return convertLegacy(bytes, kind, std::move(found), options, ctx);
  Result r;
  r.outcome = Outcome::Refuse;
  r.removals = std::move(found);
  return r;
}

}  // namespace mugai::sanitizers::office_cdr
