// See zip_scan.h.
#include "sanitizers/zip_scan/zip_scan.h"

#include <zip.h>

#include "core/c_handles.h"
#include "core/charset/charset.h"
#include "core/file_job.h"
#include "core/file_type.h"
#include "core/notice.h"
#include "core/parallel.h"
#include "core/zip/layout.h"
#include "sanitizers/zip_scan/entry_reader.h"
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

// A name safe to write into the re-packed archive: '/' separators, no
// leading "./", no empty segments (traversal was refused before).
std::string cleanName(std::string name) {
  std::replace(name.begin(), name.end(), '\\', '/');
  std::string out;
  for (std::size_t i = 0; i <= name.size();) {
    std::size_t slash = name.find('/', i);
    if (slash == std::string::npos) slash = name.size();
    std::string_view seg(name.data() + i, slash - i);
    if (!seg.empty() && seg != ".") out += (out.empty() ? "" : "/") + std::string(seg);
    i = slash + 1;
  }
  return out;
}

std::unique_ptr<Node> entryNode(const Node& parent, std::size_t index, std::string name, std::string bytes) {
  auto n = std::make_unique<Node>();
  n->kind = NodeKind::Leaf;
  n->parent = const_cast<Node*>(&parent);  // re-set by the pipeline when it attaches the entry
  n->path = (parent.path.empty() ? "" : parent.path + ".") + std::to_string(index + 1);
  n->depth = parent.depth + 1;
  n->filename = std::move(name);
  n->extensionType = typeFromExtension(n->filename);
  n->declaredType = n->extensionType.empty() ? "application/octet-stream" : n->extensionType;
  n->disposition = "attachment";
  n->decoded = std::move(bytes);
  n->bodyDecoded = true;
  return n;
}

Decision refuse(const std::string& code, const std::string& detail, const std::string& ja) {
  return Decision::remove(code, "archive removed: " + detail, ja.empty() ? "書庫を安全に検査できないため削除しました" : ja + "（書庫ごと削除）");
}

}  // namespace

bool isZipArchive(const std::string& type) {
  return type == "application/zip" || type == "application/x-zip-compressed" || type == "application/x-zip";
}

bool ZipScan::accepts(const Node& node) const {
  if (node.kind != NodeKind::Leaf) return false;
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
    return refuse("limit.archive_depth", "archives nested deeper than " + std::to_string(options_.maxArchiveDepth),
                  "書庫の入れ子が深すぎます");
  const std::string_view bytes = node.content();
  zip::Layout layout = zip::readLayout(bytes, options_.maxEntries);
  for (const auto& f : layout.findings) ctx.addFinding({f.code, f.detail, node.path, f.critical});
  if (!layout.isZip) return refuse("zip.no_end_record", "no end of central directory (truncated or not a ZIP)", "");
  if (const auto* f = layout.firstCritical()) return refuse(f->code, f->detail, "");
  for (const auto& e : layout.entries) {
    if (e.encrypted() && !options_.tryPasswords)
      return refuse(e.aes ? "zip.encrypted_aes" : "zip.encrypted_zipcrypto",
                    std::string("password-protected (") + (e.aes ? "WinZip AES" : "ZipCrypto") + ") entries cannot be scanned",
                    "パスワード付きの書庫は検査できません");
    if (!e.isDirectory() && !e.isSymlink() && zip_compression_method_supported(static_cast<zip_int32_t>(e.dataMethod()), 0) == 0)
      return refuse("zip.unsupported_method", "compression method " + std::to_string(e.dataMethod()) + " cannot be read",
                    "未対応の圧縮方式の書庫です");
  }

  zip_error_t err;
  zip_error_init(&err);
  ZipSourcePtr src(zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err));
  ZipPtr za(src ? zip_open_from_source(src.get(), ZIP_RDONLY, &err) : nullptr);
  if (!za) return refuse("zip.unreadable", std::string("libzip cannot open it: ") + zip_error_strerror(&err), "");
  (void)src.release();  // owned by the archive now
  if (static_cast<std::size_t>(zip_get_num_entries(za.get(), 0)) != layout.entries.size())
    return refuse("zip.reader_disagrees", "libzip sees another number of entries than the central directory", "");

  std::vector<NodePtr> children;
  std::vector<const zip::Entry*> entryOf;  // per child: the entry it came from (time; its data when copied)
  std::vector<std::pair<std::string, std::string>> notices;  // name.removed.txt for each removed entry

  // Entries are taken in order, a batch at a time. This thread checks each
  // against the caps on its declared size (or reads it through libzip when
  // libdeflate cannot); the other cores then inflate the batch, compute
  // true types (libmagic) and digests, while this thread takes the next
  // batch and runs the one before through the pipeline, in order.
  struct Read {
    NodePtr node;  // decided here already (a symbolic link) unless its action is Keep
    const zip::Entry* entry = nullptr;    // where it came from
    bool copyable = false;                // its compressed data may be copied as it is (not encrypted)
    const zip::Entry* pending = nullptr;  // admitted, to be inflated in the background
    std::optional<Refusal> failed;        // what the background inflation refused
  };
  std::vector<Read> batch, typing;  // being taken; taken and being inflated and typed
  std::optional<BackgroundFor> typer;  // works on `typing` (declared after it: see BackgroundFor)
  std::size_t batchBytes = 0;
  constexpr std::size_t kBatchEntries = 256, kBatchBytes = 32u << 20;
  auto process = [&](std::vector<Read>& reads) -> std::optional<Decision> {
    for (auto& r : reads) {
      if (r.failed) return refuse(r.failed->code, r.failed->detail, r.failed->ja);
      if (r.node->action == Action::Keep) {
        Node& child = *r.node;
        ctx.scanNested(child);
        // A bomb or a limit anywhere inside refuses the whole archive: what
        // is left would be a partial view an attacker chose.
        const Node* limited = nullptr;
        child.forEach([&](const Node& n) {
          if (!limited && n.action == Action::Remove && n.reasonCode.rfind("limit.", 0) == 0) limited = &n;
        });
        if (limited)
          return refuse(limited->reasonCode, "inside \"" + child.filename + "\": " + limited->reason, reasonJa(*limited));
        if (child.action == Action::Reject) return Decision::reject(child.reasonCode, child.reason, child.reasonJa);
        // Kept as it is: the re-pack copies its compressed form, so its
        // bytes can go now (memory for a batch, not the whole archive).
        if (r.copyable && child.action == Action::Keep && !child.changedBelow()) child.releaseDecoded();
      }
      children.push_back(std::move(r.node));
      entryOf.push_back(r.entry);
    }
    reads.clear();
    return std::nullopt;
  };
  // The batch just taken starts in the background; the one before goes
  // through the pipeline meanwhile. `last`: then the new batch too.
  auto flush = [&](bool last) -> std::optional<Decision> {
    if (typer) typer->wait();
    std::vector<Read> ready = std::move(typing);
    typing = std::move(batch);
    batch.clear();
    batchBytes = 0;
    std::vector<Read*> work;
    for (auto& r : typing)
      if (r.node->action == Action::Keep) work.push_back(&r);
    typer.reset();
    typer.emplace(work.size(), [work, archive = bytes](std::size_t i) {
      Read& r = *work[i];
      if (r.pending) {
        Refusal why;
        std::optional<std::string> data = inflateAdmitted(archive, *r.pending, why);
        if (!data) {
          r.failed = std::move(why);
          return;
        }
        r.node->decoded = std::move(*data);
      }
      r.node->trueType();
      r.node->sha256();  // the report's; computed here, off the pipeline's thread
    });
    if (auto d = process(ready)) return d;
    if (!last) return std::nullopt;
    typer->wait();
    return process(typing);
  };
  for (std::size_t i = 0; i < layout.entries.size(); ++i) {
    const zip::Entry& e = layout.entries[i];
    if (ctx.expired()) return refuse("limit.time", "not scanned within the time limit", "制限時間内に検査できませんでした");
    const char* libName = zip_get_name(za.get(), i, ZIP_FL_ENC_RAW);
    // libzip answers with the 0x7075 name when it has one.
    if (!libName || (e.rawName != libName && (!e.unicodePath || *e.unicodePath != libName)))
      return refuse("zip.reader_disagrees", "libzip reads another name than the central directory", "");
    if (e.isDirectory()) continue;
    std::string name = cleanName(zip::entryNameUtf8(e));
    if (e.isSymlink()) {
      auto n = entryNode(node, i, name, "");
      n->action = Action::Remove;
      n->reasonCode = "zip.symlink";
      n->reason = "symbolic link entries are not kept";
      n->decidedBy = "zip_scan";
      batch.push_back({std::move(n), &e, false, nullptr, std::nullopt});
      continue;
    }
    Refusal why;
    std::optional<std::string> data;
    const bool direct = inflatesDirectly(e);
    if (direct) {
      if (!admitEntry(e, options_, ctx, why)) return refuse(why.code, why.detail, why.ja);
      data.emplace();  // filled in the background
    } else if (!e.encrypted()) {
      data = readEntry(za.get(), i, e, options_, ctx, why);
    } else {
      // Each candidate in turn: a wrong one fails the check bytes, or (1 in
      // 256 for ZipCrypto) passes them and fails the CRC.
      for (const auto& pw : ctx.passwords()) {
        bool aesUnverified = false;
        Refusal attempt;
        data = readEntry(za.get(), i, e, options_, ctx, attempt, pw.c_str(), &aesUnverified);
        if (data) {
          ctx.addFinding({"zip.decrypted", "a password-protected entry was opened with a given or quoted password",
                          node.path, false});
          if (aesUnverified)
            ctx.addFinding({"zip.aes_authenticity_unknown",
                            "AES entry decrypted; its authentication code could not be checked (libzip 1.7.3)",
                            node.path, false});
          break;
        }
        if (attempt.code.rfind("limit.", 0) == 0 || attempt.code == "zip.size_mismatch") return refuse(attempt.code, attempt.detail, attempt.ja);
      }
      if (!data)
        return refuse("zip.encrypted_no_password",
                      std::string("password-protected (") + (e.aes ? "WinZip AES" : "ZipCrypto") +
                          ") and no given or quoted password opens it",
                      "パスワード付きの書庫を開けるパスワードが見つかりません");
    }
    if (!data) return refuse(why.code, why.detail, why.ja);
    batchBytes += direct ? static_cast<std::size_t>(e.uncompressedSize) : data->size();
    batch.push_back({entryNode(node, i, std::move(name), std::move(*data)), &e, !e.encrypted(), direct ? &e : nullptr,
                     std::nullopt});
    if (batch.size() >= kBatchEntries || batchBytes >= kBatchBytes)
      if (auto d = flush(false)) return std::move(*d);
  }
  if (auto d = flush(true)) return std::move(*d);

  bool changed = false, anyKept = false;
  std::vector<PackedFile> files;
  notices.reserve(children.size());  // `files` points into it
  for (std::size_t i = 0; i < children.size(); ++i) {
    const Node& c = *children[i];
    if (c.action == Action::Remove) {
      changed = true;
      notices.push_back({c.filename + ".removed.txt", noticeFileText(noticeText(c, NoticeConfig{}, "", false, NoticeSubject::File))});
      continue;
    }
    anyKept = true;
    changed = changed || c.action == Action::Replace || c.changedBelow();
    const zip::Entry& e = *entryOf[i];
    const bool asIs = c.action == Action::Keep && !c.changedBelow() && !e.encrypted();
    files.push_back({c.filename, c.replacement ? &c.replacement->bytes : &c.decoded, asIs ? &e : nullptr, e.dosTime,
                     e.dosDate, false});
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
    if (!packed) return refuse("zip.repack_failed", "cannot write the cleaned archive: " + error, "");
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

}  // namespace mugai::sanitizers::zip_scan
