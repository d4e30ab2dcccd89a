// See zip_scan.h.
#include "sanitizers/zip_scan/zip_scan.h"

#include <zip.h>


#include "core/c_handles.h"
#include "core/charset/charset.h"
#include "core/file_job.h"
#include "core/file_type.h"
#include "core/notice.h"
#include "core/zip/layout.h"
#include "sanitizers/zip_scan/archive_walk.h"
#include "sanitizers/zip_scan/repack.h"

namespace mugai::sanitizers::zip_scan {
namespace {

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// ZIP-based formats that are documents or programs, not archives to open:
// their own sanitizers (or attachment_strip) judge them.
bool zipBasedFormat(const std::string& t) {
  return contains(t, "openxmlformats") || contains(t, "opendocument") || contains(t, "java-archive") ||
         contains(t, "epub") || contains(t, "android") || contains(t, "vnd.ms-") || contains(t, "appx") ||
         contains(t, "msix") || contains(t, "xpinstall");
}

int archiveDepth(const Node& n) {
  int depth = 0;
  for (const Node* p = n.parent; p; p = p->parent) depth += p->decidedBy == "zip_scan" || isZipArchive(p->trueType());
  return depth;
}

// The verdict once every entry was taken: the archive removed when
// nothing is left, re-packed when anything changed (or its names, structure
// or protection need it), else kept byte for byte.
Decision verdict(const Node& node, std::string_view bytes, const zip::Layout& layout, ArchiveWalk& walk) {
  std::vector<NodePtr>& children = walk.children;
  std::vector<std::pair<std::string, std::string>> notices;  // name.removed.txt for each removed entry
  bool changed = false, anyKept = false;
  std::vector<PackedFile> files;
  notices.reserve(children.size());  // `files` points into it
  for (std::size_t i = 0; i < children.size(); ++i) {
    const Node& c = *children[i];
    if (c.action == Action::Remove) {
      changed = true;
      // Never over a kept entry of the same name ("x.exe.removed.txt" beside "x.exe").
      std::string notice = c.filename + ".removed.txt";
      for (int n = 2; !walk.usedNames.insert(toLower(notice)).second; ++n)
        notice = c.filename + ".removed-" + std::to_string(n) + ".txt";
      notices.push_back({notice, noticeFileText(noticeText(c, NoticeConfig{}, "", false, NoticeSubject::File))});
      continue;
    }
    anyKept = true;
    changed = changed || c.action == Action::Replace || c.changedBelow();
    const zip::Entry& e = *walk.entryOf[i];
    // A replacement may carry a new name (office_cdr: a.docm -> a.docx),
    // kept in the entry's folder.
    std::string name = c.filename;
    if (c.replacement && !c.replacement->filename.empty() && c.replacement->filename != c.filename) {
      const std::size_t slash = c.filename.rfind('/');
      const std::string folder = slash == std::string::npos ? "" : c.filename.substr(0, slash + 1);
      const std::size_t newSlash = c.replacement->filename.rfind('/');
      const std::string renamed = folder + c.replacement->filename.substr(newSlash == std::string::npos ? 0 : newSlash + 1);
      if (walk.usedNames.insert(toLower(renamed)).second) name = renamed;  // never over another entry
    }
    files.push_back({name, c.replacement ? &c.replacement->bytes : &c.decoded, keptAsIs(c, e) ? &e : nullptr,
                     e.dosTime, e.dosDate, false});
  }
  for (const auto& n : notices) files.push_back({n.first, &n.second, nullptr, 0, 0, true});
  bool anyEncrypted = false;  // decrypted entries go out unprotected: always a new archive
  for (const auto& e : layout.entries) anyEncrypted = anyEncrypted || e.encrypted();
  bool namesRewritten = false;
  for (const auto& e : layout.entries) namesRewritten = namesRewritten || (!e.utf8Flag() && !charset::isAscii(e.rawName));
  Decision d;
  if (!anyKept) {
    d = Decision::remove("zip.nothing_safe", "nothing in the archive could be kept", "書庫の中に残せるファイルがありません");
  } else if (changed || namesRewritten || !layout.findings.empty() || anyEncrypted) {
    std::string error;
    auto packed = repack(files, bytes, error);
    if (!packed) return refuseArchive("zip.repack_failed", "cannot write the cleaned archive: " + error, "");
    Replacement r{std::move(*packed), "application/zip", "", node.filename};
    std::string why = changed        ? "archive re-packed without the removed entries"
                      : anyEncrypted ? "password-protected archive opened, scanned and re-packed without a password"
                                     : "archive re-packed with clean headers and UTF-8 names";
    std::string whyJa = changed        ? "書庫から危険なファイルを除いて作り直しました"
                        : anyEncrypted ? "パスワード付き書庫を開いて検査し、パスワードなしで作り直しました"
                                       : "書庫を安全な形式で作り直しました";
    d = Decision::replace(std::move(r), "zip.repacked", why, whyJa);
  }
  d.children = std::move(children);
  return d;
}

}  // namespace

bool isZipArchive(const std::string& type) {
  return type == "application/zip" || type == "application/x-zip-compressed" || type == "application/x-zip";
}

bool ZipScan::accepts(const Node& node) const {
  if (node.kind != NodeKind::Leaf) return false;
  // Replaced by an earlier stage (office_cdr's rebuilt document): judged by
  // what it became.
  if (node.replacement) return isZipArchive(node.replacement->mimeType);
  const std::string& t = node.trueType();
  if (isZipArchive(t)) return true;
  // Another file with an archive appended (GIFAR-style): run() refuses it.
  return !zipBasedFormat(t) && !node.content().empty() && zip::hasTrailingZip(node.content());
}

Decision ZipScan::run(const Node& node, ScanContext& ctx) {
  const std::string type = node.trueType();
  if (!isZipArchive(type))
    return Decision::remove("zip.appended_archive", "a " + type + " file with a ZIP archive appended (polyglot)",
                            "別の種類のファイルに書庫が埋め込まれています");
  if (archiveDepth(node) >= options_.maxArchiveDepth)
    return refuseArchive("limit.archive_depth", "archives nested deeper than " + std::to_string(options_.maxArchiveDepth),
                  "書庫の入れ子が深すぎます");
  const std::string_view bytes = node.content();
  zip::Layout layout = zip::readLayout(bytes, options_.maxEntries);
  for (const auto& f : layout.findings) ctx.addFinding({f.code, f.detail, node.path, f.critical});
  if (!layout.isZip) return refuseArchive("zip.no_end_record", "no end of central directory (truncated or not a ZIP)", "");
  if (const auto* f = layout.firstCritical()) return refuseArchive(f->code, f->detail, "");
  for (const auto& e : layout.entries) {
    if (e.encrypted() && !options_.tryPasswords)
      return refuseArchive(e.aes ? "zip.encrypted_aes" : "zip.encrypted_zipcrypto",
                    std::string("password-protected (") + (e.aes ? "WinZip AES" : "ZipCrypto") + ") entries cannot be scanned",
                    "パスワード付きの書庫は検査できません");
    if (!e.isDirectory() && !e.isSymlink() && zip_compression_method_supported(static_cast<zip_int32_t>(e.dataMethod()), 0) == 0)
      return refuseArchive("zip.unsupported_method", "compression method " + std::to_string(e.dataMethod()) + " cannot be read",
                    "未対応の圧縮方式の書庫です");
  }

  ZipError err;
  ZipSourcePtr src(zip_source_buffer_create(bytes.data(), bytes.size(), 0, err.get()));
  ZipPtr za(src ? zip_open_from_source(src.get(), ZIP_RDONLY, err.get()) : nullptr);
  if (!za) return refuseArchive("zip.unreadable", "libzip cannot open it: " + err.text(), "");
  (void)src.release();  // owned by the archive now
  if (static_cast<std::size_t>(zip_get_num_entries(za.get(), 0)) != layout.entries.size())
    return refuseArchive("zip.reader_disagrees", "libzip sees another number of entries than the central directory", "");

  ArchiveWalk walk(node, bytes, layout, za.get(), options_, ctx);
  if (auto d = walk.run()) return std::move(*d);
  return verdict(node, bytes, layout, walk);
}

}  // namespace mugai::sanitizers::zip_scan
