// See archive_walk.h.
#include "sanitizers/zip_scan/archive_walk.h"

#include <algorithm>

#include "core/file_type.h"
#include "core/notice.h"

namespace mugai::sanitizers::zip_scan {
namespace {

constexpr std::size_t kBatchEntries = 256, kBatchBytes = 32u << 20;

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

Decision refuse(const Refusal& why) { return refuseArchive(why.code, why.detail, why.ja); }

}  // namespace

Decision refuseArchive(const std::string& code, const std::string& detail, const std::string& ja) {
  return Decision::remove(code, "archive removed: " + detail, ja.empty() ? "書庫を安全に検査できないため削除しました" : ja + "（書庫ごと削除）");
}

bool keptAsIs(const Node& child, const zip::Entry& entry) {
  return child.action == Action::Keep && !child.changedBelow() && !entry.encrypted();
}

std::optional<Decision> ArchiveWalk::run() {
  for (std::size_t i = 0; i < layout_.entries.size(); ++i)
    if (auto d = take(i)) return d;
  return flush(true);
}

// Entry `i` into the batch: checked, and read here unless libdeflate will
// inflate it in the background.
std::optional<Decision> ArchiveWalk::take(std::size_t i) {
  const zip::Entry& e = layout_.entries[i];
  if (ctx_.expired()) return refuseArchive("limit.time", "not scanned within the time limit", "制限時間内に検査できませんでした");
  const char* libName = zip_get_name(za_, i, ZIP_FL_ENC_RAW);
  // libzip answers with the 0x7075 name when it has one.
  if (!libName || (e.rawName != libName && (!e.unicodePath || *e.unicodePath != libName)))
    return refuseArchive("zip.reader_disagrees", "libzip reads another name than the central directory", "");
  if (e.isDirectory()) return std::nullopt;
  std::string name = cleanName(zip::entryNameUtf8(e));
  // After cleaning, "a//b", "a/./b" and "A/b" are one file on a client's
  // disk (the structure walk compared the names as written).
  if (name.empty())
    return refuseArchive("zip.empty_name", "an entry's name is empty once cleaned (\".\", \"/\")",
                         "書庫内に名前のないファイルがあります");
  if (!usedNames.insert(toLower(name)).second)
    return refuseArchive("zip.duplicate_names", "two entries would be written to \"" + name + "\"",
                         "書庫内に同じ名前で展開されるファイルがあります");
  if (e.isSymlink()) {
    auto n = entryNode(archive_, i, name, "");
    n->action = Action::Remove;
    n->reasonCode = "zip.symlink";
    n->reason = "symbolic link entries are not kept";
    n->decidedBy = "zip_scan";
    batch_.push_back({std::move(n), &e, std::nullopt});
    return std::nullopt;
  }
  Refusal why;
  std::optional<std::string> data;
  const bool direct = inflatesDirectly(e);
  if (direct) {
    if (!admitEntry(e, options_, ctx_, why)) return refuse(why);
    data.emplace();  // filled in the background
  } else if (!e.encrypted()) {
    data = readEntry(za_, i, e, options_, ctx_, why);
  } else {
    std::optional<Decision> refusal;
    data = readProtected(i, e, refusal);
    if (refusal) return refusal;
  }
  if (!data) return refuse(why);
  batchBytes_ += direct ? static_cast<std::size_t>(e.uncompressedSize) : data->size();
  batch_.push_back({entryNode(archive_, i, std::move(name), std::move(*data)), &e, std::nullopt});
  if (batch_.size() >= kBatchEntries || batchBytes_ >= kBatchBytes) return flush(false);
  return std::nullopt;
}

// A password-protected entry, opened with each candidate in turn: a wrong
// one fails the check bytes, or (1 in 256 for ZipCrypto) passes them and
// fails the CRC.
std::optional<std::string> ArchiveWalk::readProtected(std::size_t i, const zip::Entry& e,
                                                      std::optional<Decision>& refusal) {
  for (const auto& pw : ctx_.passwords()) {
    bool aesUnverified = false;
    Refusal attempt;
    std::optional<std::string> data = readEntry(za_, i, e, options_, ctx_, attempt, pw.c_str(), &aesUnverified);
    if (data) {
      ctx_.addFinding({"zip.decrypted", "a password-protected entry was opened with a given or quoted password",
                       archive_.path, false});
      if (aesUnverified)
        ctx_.addFinding({"zip.aes_authenticity_unknown",
                         "AES entry decrypted; its authentication code could not be checked (libzip 1.7.3)",
                         archive_.path, false});
      return data;
    }
    if (attempt.code.rfind("limit.", 0) == 0 || attempt.code == "zip.size_mismatch") {
      refusal = refuse(attempt);
      return std::nullopt;
    }
  }
  refusal = refuseArchive("zip.encrypted_no_password",
                          std::string("password-protected (") + (e.aes ? "WinZip AES" : "ZipCrypto") +
                              ") and no given or quoted password opens it",
                          "パスワード付きの書庫を開けるパスワードが見つかりません");
  return std::nullopt;
}

// The batch just taken starts in the background; the one before goes
// through the pipeline meanwhile. `last`: then the new batch too.
std::optional<Decision> ArchiveWalk::flush(bool last) {
  if (typer_) typer_->wait();
  std::vector<Read> ready = std::move(typing_);
  typing_ = std::move(batch_);
  batch_.clear();
  batchBytes_ = 0;
  std::vector<Read*> work;
  for (auto& r : typing_)
    if (r.node->action == Action::Keep) work.push_back(&r);
  typer_.reset();
  typer_.emplace(work.size(), [work, archive = bytes_](std::size_t i) {
    Read& r = *work[i];
    if (inflatesDirectly(*r.entry)) {
      Refusal why;
      std::optional<std::string> data = inflateAdmitted(archive, *r.entry, why);
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
  typer_->wait();
  return process(typing_);
}

std::optional<Decision> ArchiveWalk::process(std::vector<Read>& reads) {
  for (auto& r : reads) {
    if (r.failed) return refuse(*r.failed);
    if (r.node->action == Action::Keep) {
      Node& child = *r.node;
      ctx_.scanNested(child);
      // A bomb or a limit anywhere inside refuses the whole archive: what
      // is left would be a partial view an attacker chose.
      const Node* limited = nullptr;
      child.forEach([&](const Node& n) {
        if (!limited && n.action == Action::Remove && n.reasonCode.rfind("limit.", 0) == 0) limited = &n;
      });
      if (limited)
        return refuseArchive(limited->reasonCode, "inside \"" + child.filename + "\": " + limited->reason,
                             reasonJa(*limited));
      if (child.action == Action::Reject) return Decision::reject(child.reasonCode, child.reason, child.reasonJa);
      // Kept as it is: the re-pack copies its compressed form, so its
      // bytes can go now (memory for a batch, not the whole archive).
      if (keptAsIs(child, *r.entry)) child.releaseDecoded();
    }
    children.push_back(std::move(r.node));
    entryOf.push_back(r.entry);
  }
  reads.clear();
  return std::nullopt;
}

}  // namespace mugai::sanitizers::zip_scan
