// See package.h.
#include "sanitizers/office_cdr/package.h"

#include <unordered_set>

#include "core/node.h"
#include "sanitizers/zip_scan/entry_reader.h"
#include "sanitizers/zip_scan/repack.h"

namespace mugai::sanitizers::office_cdr {
namespace {

std::string_view noSlash(std::string_view s) { return !s.empty() && s.front() == '/' ? s.substr(1) : s; }

}  // namespace

bool samePartName(std::string_view a, std::string_view b) { return equalsIgnoreCase(noSlash(a), noSlash(b)); }

std::string resolvePartName(std::string_view sourceFolder, std::string_view target) {
  std::vector<std::string> segs;
  auto push = [&](std::string_view path) {
    std::size_t i = 0;
    while (i <= path.size()) {
      std::size_t slash = path.find('/', i);
      if (slash == std::string_view::npos) slash = path.size();
      std::string_view seg = path.substr(i, slash - i);
      if (seg == "..") {
        if (segs.empty()) return false;
        segs.pop_back();
      } else if (!seg.empty() && seg != ".") {
        segs.emplace_back(seg);
      }
      i = slash + 1;
    }
    return true;
  };
  if (!(target.empty() || target.front() != '/')) {
    if (!push(target)) return "";
  } else if (!push(sourceFolder) || !push(target)) {
    return "";
  }
  std::string out;
  for (const auto& s : segs) out += (out.empty() ? "" : "/") + s;
  return out;
}

std::optional<Package> Package::read(std::string_view bytes, const Options& o, ScanContext& ctx, Result& why) {
  Package p;
  p.original_ = bytes;
  p.layout_ = zip::readLayout(bytes, o.maxParts);
  if (!p.layout_.isZip) {
    why = Result::refuse("office.unreadable", "the document's ZIP structure is broken (no end record)",
                         "文書の構造が壊れているため削除しました");
    return std::nullopt;
  }
  if (const auto* f = p.layout_.firstCritical()) {
    const bool tooMany = f->code == "limit.archive_entries";
    why = tooMany ? Result::refuse("limit.office_parts", "more than " + std::to_string(o.maxParts) + " parts",
                                   "文書の部品数が上限を超えています")
                  : Result::refuse("office.unreadable", "the document's ZIP structure is ambiguous: " + f->detail,
                                   "文書の構造に不審な点があるため削除しました");
    return std::nullopt;
  }
  zip_scan::Options zo;
  zo.maxEntries = o.maxParts;
  zo.maxEntryBytes = o.maxPartBytes;
  zo.maxRatio = o.maxRatio;
  std::unordered_set<std::string> seen;
  p.parts_.reserve(p.layout_.entries.size());
  for (const auto& e : p.layout_.entries) {
    if (e.isDirectory()) continue;
    std::string name = zip::entryNameUtf8(e);
    if (!seen.insert(toLower(noSlash(name))).second) {
      why = Result::refuse("office.unreadable", "two parts share the name \"" + name + "\"",
                           "同じ名前の部品が重複しているため削除しました");
      return std::nullopt;
    }
    if (ctx.expired()) {
      why = Result::refuse("limit.time", "not cleaned within the time limit", "制限時間内に無害化できませんでした");
      return std::nullopt;
    }
    zip_scan::Refusal r;
    if (!zip_scan::inflatesDirectly(e)) {
      why = Result::refuse("office.unreadable", "a part is encrypted or compressed with an unsupported method",
                           "文書の部品を読み取れないため削除しました", name);
      return std::nullopt;
    }
    std::optional<std::string> data;
    if (zip_scan::admitEntry(e, zo, ctx, r)) data = zip_scan::inflateAdmitted(bytes, e, r);
    if (!data) {
      const bool limit = r.code.rfind("limit.", 0) == 0;
      std::string code = r.code == "limit.archive_entry_bytes" ? "limit.office_part_bytes"
                         : limit                                ? r.code
                                                                : "office.unreadable";
      why = Result::refuse(code, "part \"" + name + "\": " + r.detail, r.ja.empty() ? "文書の部品を読み取れません" : r.ja, name);
      return std::nullopt;
    }
    p.parts_.push_back(Part{std::move(name), &e, std::move(*data), false, std::nullopt});
  }
  return p;
}

Part* Package::find(std::string_view name) {
  for (auto& part : parts_)
    if (samePartName(part.name, name)) return &part;
  return nullptr;
}

std::optional<std::string> Package::write(std::string& error) const {
  std::vector<zip_scan::PackedFile> files;
  files.reserve(parts_.size());
  for (const auto& part : parts_) {
    if (part.removed) continue;
    if (part.rewritten)
      files.push_back({part.name, &*part.rewritten, nullptr, part.entry->dosTime, part.entry->dosDate, false});
    else
      files.push_back({part.name, nullptr, part.entry, part.entry->dosTime, part.entry->dosDate, false});
  }
  return zip_scan::repack(files, original_, error);
}

Result rebuiltResult(const Package& pkg, std::vector<Removal> removals, std::string mimeType, std::string extension) {
  std::string error;
  auto bytes = pkg.write(error);
  if (!bytes)
    return Result::refuse("office.unreadable", "cannot write the cleaned document: " + error,
                          "無害化した文書を書き出せないため削除しました");
  Result r;
  r.outcome = Outcome::Cleaned;
  r.bytes = std::move(*bytes);
  r.removals = std::move(removals);
  r.mimeType = std::move(mimeType);
  r.extension = std::move(extension);
  return r;
}

}  // namespace mugai::sanitizers::office_cdr
