// See layout.h. Record layouts: APPNOTE.TXT 6.3.x, sections 4.3.7
// (local file header), 4.3.12 (central directory header), 4.3.14-16
// (ZIP64 end records), 4.5.3 (ZIP64 extra), 4.6.9 (0x7075 Unicode Path);
// WinZip AE-x for the 0x9901 extra.
#include "core/zip/layout.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <map>

#include "core/charset/charset.h"

namespace mugai::zip {
namespace {

constexpr std::uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50,
                        kZip64EndSig = 0x06064b50, kZip64LocatorSig = 0x07064b50;
constexpr std::size_t kEndSize = 22, kCentralSize = 46, kLocalSize = 30;

// Bounds-checked little-endian reads: out of range reads as 0 and sets `bad`.
struct Reader {
  std::string_view b;
  bool bad = false;
  std::uint64_t le(std::uint64_t at, int n) {
    if (at > b.size() || b.size() - at < static_cast<std::uint64_t>(n)) {
      bad = true;
      return 0;
    }
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
    return v;
  }
  std::uint16_t u16(std::uint64_t at) { return static_cast<std::uint16_t>(le(at, 2)); }
  std::uint32_t u32(std::uint64_t at) { return static_cast<std::uint32_t>(le(at, 4)); }
  std::uint64_t u64(std::uint64_t at) { return le(at, 8); }
  std::string_view bytes(std::uint64_t at, std::uint64_t n) {
    if (at > b.size() || b.size() - at < n) {
      bad = true;
      return {};
    }
    return b.substr(at, n);
  }
};

// End records whose comment reaches exactly the end of the buffer; the
// last one first (the usual reading).
std::vector<std::uint64_t> endRecords(Reader& r) {
  std::vector<std::uint64_t> found;
  if (r.b.size() < kEndSize) return found;
  std::uint64_t last = r.b.size() - kEndSize;
  std::uint64_t first = last > 65535 ? last - 65535 : 0;
  // Every leaf of every mail is asked this (an archive appended to another
  // file): look for the 'P' of "PK\5\6" with memrchr before reading more.
  std::uint64_t end = last + 1;
  while (end > first) {
    const void* p = memrchr(r.b.data() + first, 'P', static_cast<std::size_t>(end - first));
    if (!p) break;
    const std::uint64_t at = static_cast<std::uint64_t>(static_cast<const char*>(p) - r.b.data());
    if (r.u32(at) == kEndSig && at + kEndSize + r.u16(at + 20) == r.b.size()) found.push_back(at);
    end = at;
  }
  return found;
}

void parseExtras(Reader& r, std::uint64_t at, std::uint64_t len, Entry& e, bool central) {
  std::uint64_t end = at + len;
  while (at + 4 <= end) {
    std::uint16_t id = r.u16(at), size = r.u16(at + 2);
    std::uint64_t data = at + 4;
    if (data + size > end) break;
    if (id == 0x0001 && central) {  // ZIP64: only the fields that overflowed, in this order
      std::uint64_t p = data;
      if (e.uncompressedSize == 0xFFFFFFFF && p + 8 <= data + size) e.uncompressedSize = r.u64(p), p += 8;
      if (e.compressedSize == 0xFFFFFFFF && p + 8 <= data + size) e.compressedSize = r.u64(p), p += 8;
      if (e.localOffset == 0xFFFFFFFF && p + 8 <= data + size) e.localOffset = r.u64(p), p += 8;
    } else if (id == 0x7075 && central && size >= 5 && r.le(data, 1) == 1) {
      std::uint32_t nameCrc = r.u32(data + 1);
      std::string_view utf8 = r.bytes(data + 5, size - 5);
      auto crc = crc32(0, reinterpret_cast<const Bytef*>(e.rawName.data()), static_cast<uInt>(e.rawName.size()));
      if (crc == nameCrc && charset::isValidUtf8(utf8)) e.unicodePath = std::string(utf8);
      else e.unicodePathDisagrees = true;
    } else if (id == 0x9901 && size >= 7) {  // version, "AE", strength, actual method
      e.aes = true;
      e.aesMethod = r.u16(data + 5);
    }
    at = data + size;
  }
}

std::string printableName(std::string_view raw) {
  std::string s;
  for (unsigned char c : raw) s += c < 0x20 || c == 0x7F ? '?' : static_cast<char>(c);
  return s;
}

void checkName(const Entry& e, Layout& out) {
  std::string name = entryNameUtf8(e);
  const std::string shown = printableName(name);
  if (e.rawName.find('\0') != std::string::npos)
    out.findings.push_back({"zip.nul_in_name", "entry name holds a NUL byte: \"" + shown + "\"", true});
  std::string path = name;
  std::replace(path.begin(), path.end(), '\\', '/');
  const bool backslash = name.find('\\') != std::string::npos;
  if (backslash) out.findings.push_back({"zip.backslash_path", "entry name uses backslashes: \"" + shown + "\"", false});
  bool absolute = !path.empty() && path[0] == '/';
  bool drive = path.size() >= 2 && path[1] == ':' && std::isalpha(static_cast<unsigned char>(path[0]));
  if (absolute || drive)
    out.findings.push_back({"zip.absolute_path", "entry would be written outside the folder: \"" + shown + "\"", true});
  for (std::size_t i = 0; i <= path.size();) {
    std::size_t slash = path.find('/', i);
    if (slash == std::string::npos) slash = path.size();
    if (path.compare(i, slash - i, "..") == 0 && slash - i == 2) {
      out.findings.push_back({"zip.path_traversal", "entry name climbs out of the folder: \"" + shown + "\"", true});
      break;
    }
    i = slash + 1;
  }
  if (name.size() > 255) out.findings.push_back({"zip.long_name", "entry name longer than 255 bytes", false});
  // Windows Explorer reads the plain name, 7-Zip and Info-ZIP the 0x7075
  // one: when the two name different files, the user sees one and gets the other.
  if (e.unicodePath && !e.utf8Flag() && *e.unicodePath != e.rawName &&
      *e.unicodePath != charset::toUtf8Lossy(e.rawName, "cp932"))
    out.findings.push_back({"zip.unicode_path_mismatch", "the Unicode Path extra field (\"" + printableName(*e.unicodePath) +
                                                             "\") names another file than the entry name", true});
  if (e.unicodePathDisagrees)
    out.findings.push_back({"zip.unicode_path_mismatch",
                            "the Unicode Path extra field names another file than the entry name \"" + shown + "\"", true});
}

}  // namespace

bool Entry::isSymlink() const {
  bool unixHost = (versionMadeBy >> 8) == 3;
  return unixHost && ((externalAttributes >> 16) & 0170000) == 0120000;
}

std::int64_t modifiedTime(const Entry& e) {
  std::tm tm{};
  tm.tm_year = ((e.dosDate >> 9) & 0x7F) + 80;
  tm.tm_mon = ((e.dosDate >> 5) & 0x0F) - 1;
  tm.tm_mday = e.dosDate & 0x1F;
  tm.tm_hour = (e.dosTime >> 11) & 0x1F;
  tm.tm_min = (e.dosTime >> 5) & 0x3F;
  tm.tm_sec = (e.dosTime & 0x1F) * 2;
  tm.tm_isdst = -1;
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1) return 0;
  std::time_t t = std::mktime(&tm);
  return t == static_cast<std::time_t>(-1) ? 0 : static_cast<std::int64_t>(t);
}

bool Layout::critical() const { return firstCritical() != nullptr; }

const LayoutFinding* Layout::firstCritical() const {
  for (const auto& f : findings)
    if (f.critical) return &f;
  return nullptr;
}

bool hasTrailingZip(std::string_view bytes) {
  Reader r{bytes};
  return !endRecords(r).empty();
}

std::string entryNameUtf8(const Entry& e) {
  if (e.utf8Flag()) return charset::toUtf8Lossy(e.rawName, "utf-8");
  if (e.unicodePath) return *e.unicodePath;
  if (charset::isValidUtf8(e.rawName)) return e.rawName;
  // Japanese Windows writes CP932; some Unix tools wrote EUC-JP.
  std::string label = charset::guess(e.rawName);
  return charset::toUtf8Lossy(e.rawName, label == "utf-8" || label == "iso-2022-jp" ? "cp932" : label);
}

Layout readLayout(std::string_view bytes, std::size_t maxEntries) {
  Layout out;
  Reader r{bytes};
  auto ends = endRecords(r);
  if (ends.empty()) return out;
  out.isZip = true;
  if (ends.size() > 1)
    out.findings.push_back({"zip.ambiguous_end_record",
                            "more than one end-of-central-directory record fits the end of the file (one hides in "
                            "the comment); readers disagree on which is real", true});
  const std::uint64_t eocd = ends.front();
  std::uint64_t count = r.u16(eocd + 10), cdSize = r.u32(eocd + 12), cdOffset = r.u32(eocd + 16);
  if (r.u16(eocd + 4) != 0 || r.u16(eocd + 6) != 0 || r.u16(eocd + 8) != r.u16(eocd + 10)) {
    out.findings.push_back({"zip.multi_disk", "a multi-volume (split) archive", true});
    return out;
  }
  std::uint64_t cdEnd = eocd;  // where the central directory must end
  if (count == 0xFFFF || cdSize == 0xFFFFFFFF || cdOffset == 0xFFFFFFFF) {
    // ZIP64: a locator just before the end record points at the ZIP64 end record.
    if (eocd >= 20 && r.u32(eocd - 20) == kZip64LocatorSig) {
      std::uint64_t z = r.u64(eocd - 12);
      // The ZIP64 end record sits right before the locator; trust that place, then the offset.
      std::uint64_t at = eocd >= 20 + 56 ? eocd - 20 - 56 : 0;
      if (r.u32(at) != kZip64EndSig) at = z;
      if (r.u32(at) == kZip64EndSig) {
        out.zip64 = true;
        count = r.u64(at + 32);
        cdSize = r.u64(at + 40);
        cdOffset = r.u64(at + 48);
        cdEnd = at;
      }
    }
    if (!out.zip64) {
      out.findings.push_back({"zip.bad_zip64", "ZIP64 sizes announced but no valid ZIP64 end record", true});
      return out;
    }
  }
  if (out.zip64) out.findings.push_back({"zip.zip64", "the archive uses ZIP64 records", false});
  if (cdSize > cdEnd) {
    out.findings.push_back({"zip.bad_central_directory", "central directory larger than the file", true});
    return out;
  }
  // Data before the archive (SFX stub, polyglot host) shifts every offset.
  // If the stored offsets were not corrected for it, readers disagree.
  const std::uint64_t cdStart = cdEnd - cdSize;
  if (cdStart != cdOffset) {
    if (cdStart > cdOffset && bytes.substr(0, cdStart).find("PK\x05\x06") != std::string_view::npos) {
      out.findings.push_back({"zip.concatenated",
                              "two archives in one file: readers taking the first or the last end record see "
                              "different entries", true});
    } else if (cdStart > cdOffset) {
      out.prefixBytes = cdStart - cdOffset;
      out.findings.push_back({"zip.prefixed_data_uncorrected",
                              std::to_string(out.prefixBytes) +
                                  " bytes before the archive and offsets not corrected for them; readers disagree "
                                  "about where entries are",
                              true});
    } else {
      out.findings.push_back({"zip.bad_central_directory", "central directory offset points past its place", true});
    }
    return out;
  }
  if (count > maxEntries) {
    out.findings.push_back({"limit.archive_entries", std::to_string(count) + " entries (limit " +
                                                         std::to_string(maxEntries) + ")", true});
    return out;
  }
  std::uint64_t at = cdStart;
  std::map<std::string, int> seenNames;
  for (std::uint64_t i = 0; at + 4 <= cdEnd && r.u32(at) == kCentralSig; ++i) {
    if (i >= maxEntries) {
      out.findings.push_back({"limit.archive_entries", "more central directory records than the limit", true});
      return out;
    }
    Entry e;
    e.versionMadeBy = r.u16(at + 4);
    e.flags = r.u16(at + 8);
    e.method = r.u16(at + 10);
    e.dosTime = r.u16(at + 12);
    e.dosDate = r.u16(at + 14);
    e.crc32 = r.u32(at + 16);
    e.compressedSize = r.u32(at + 20);
    e.uncompressedSize = r.u32(at + 24);
    std::uint16_t nameLen = r.u16(at + 28), extraLen = r.u16(at + 30), commentLen = r.u16(at + 32);
    e.externalAttributes = r.u32(at + 38);
    e.localOffset = r.u32(at + 42);
    e.rawName = std::string(r.bytes(at + kCentralSize, nameLen));
    parseExtras(r, at + kCentralSize + nameLen, extraLen, e, true);
    if (r.bad) break;
    at += kCentralSize + nameLen + extraLen + commentLen;
    out.entries.push_back(std::move(e));
  }
  if (r.bad || at != cdEnd) {
    out.findings.push_back({"zip.bad_central_directory", "central directory records do not fill the directory", true});
    return out;
  }
  if (out.entries.size() != count)
    out.findings.push_back({"zip.count_mismatch", "end record counts " + std::to_string(count) + " entries, directory holds " +
                                                      std::to_string(out.entries.size()), true});

  // Each entry's local header must agree with its central record.
  for (auto& e : out.entries) {
    const std::string shown = printableName(entryNameUtf8(e));
    std::uint64_t l = e.localOffset;
    if (r.u32(l) != kLocalSig) {
      out.findings.push_back({"zip.bad_local_header", "no local header where \"" + shown + "\" should start", true});
      r.bad = false;
      continue;
    }
    std::uint16_t lflags = r.u16(l + 6), lmethod = r.u16(l + 8);
    std::uint32_t lcrc = r.u32(l + 14);
    std::uint64_t lcomp = r.u32(l + 18), lsize = r.u32(l + 22);
    std::uint16_t lnameLen = r.u16(l + 26), lextraLen = r.u16(l + 28);
    std::string_view lname = r.bytes(l + kLocalSize, lnameLen);
    std::uint64_t data = l + kLocalSize + lnameLen + lextraLen;
    if (lname != e.rawName)
      out.findings.push_back({"zip.local_name_mismatch", "local header names \"" + printableName(std::string(lname)) +
                                                             "\" where the directory says \"" + shown + "\"", true});
    if (lmethod != e.method || (lflags & 1) != (e.flags & 1))
      out.findings.push_back({"zip.local_header_mismatch",
                              "local header and directory disagree on method or encryption for \"" + shown + "\"", true});
    const bool descriptor = lflags & 0x0008;  // sizes follow the data; local fields may be 0
    const bool localZip64 = lcomp == 0xFFFFFFFF || lsize == 0xFFFFFFFF;
    if (!descriptor && !localZip64 &&
        (lcomp != e.compressedSize || lsize != e.uncompressedSize || lcrc != e.crc32))
      out.findings.push_back({"zip.local_size_mismatch",
                              "local header and directory disagree on sizes or CRC for \"" + shown + "\"", true});
    e.dataOffset = data;
    e.dataEnd = data + e.compressedSize;
    if (descriptor) e.dataEnd += 16;  // signature + CRC + sizes (the larger form, for the overlap check)
    if (r.bad || data > cdStart || e.compressedSize > cdStart - data) {
      out.findings.push_back({"zip.truncated_entry", "compressed data of \"" + shown + "\" runs past the directory", true});
      r.bad = false;
    }
    checkName(e, out);
    std::string key = charset::isValidUtf8(entryNameUtf8(e)) ? entryNameUtf8(e) : e.rawName;
    std::replace(key.begin(), key.end(), '\\', '/');
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    while (!key.empty() && key.back() == '/') key.pop_back();  // "x/" and "x" collide on disk
    if (seenNames[key]++ == 1)
      out.findings.push_back({"zip.duplicate_names", "two entries would be written to \"" + shown +
                                                         "\" (names equal up to case or separators)", true});
    if (e.isSymlink()) out.findings.push_back({"zip.symlink", "entry \"" + shown + "\" is a symbolic link", false});
  }

  // Entries may not share bytes (the "better zip bomb"), and nothing may
  // hide between them (a local entry a streaming reader would extract).
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
  for (const auto& e : out.entries) spans.push_back({e.localOffset, std::min<std::uint64_t>(e.dataEnd, cdStart)});
  std::sort(spans.begin(), spans.end());
  std::uint64_t cursor = 0;
  bool overlap = false, hidden = false;
  for (const auto& [b, e] : spans) {
    if (b < cursor) overlap = true;
    else if (bytes.substr(cursor, b - cursor).find("PK\x03\x04") != std::string_view::npos) hidden = true;
    cursor = std::max(cursor, e);
  }
  if (!overlap && bytes.substr(cursor, cdStart - std::min(cursor, cdStart)).find("PK\x03\x04") != std::string_view::npos)
    hidden = true;
  if (overlap)
    out.findings.push_back({"zip.overlapping_entries", "entries share compressed data (an overlap zip bomb)", true});
  if (hidden)
    out.findings.push_back({"zip.hidden_entry",
                            "a local entry that the central directory does not list (a streaming reader would "
                            "extract it)", true});
  if (!spans.empty() && spans.front().first > 0) {
    out.prefixBytes = spans.front().first;
    out.findings.push_back({"zip.prefixed_data", std::to_string(out.prefixBytes) +
                                                     " bytes before the first entry (self-extractor or polyglot)", false});
  }
  // Another archive before this one: a reader taking the first end record
  // sees other entries than one taking the last.
  if (!spans.empty() && bytes.substr(0, spans.front().first).find("PK\x05\x06") != std::string_view::npos)
    out.findings.push_back({"zip.concatenated", "another archive precedes this one in the same file", true});
  // One finding per code: a bomb with 1000 bad entries gets one line, with a count.
  std::vector<LayoutFinding> unique;
  std::map<std::string, int> repeats;
  for (auto& f : out.findings)
    if (repeats[f.code]++ == 0) unique.push_back(std::move(f));
  for (auto& f : unique)
    if (repeats[f.code] > 1) f.detail += " (and " + std::to_string(repeats[f.code] - 1) + " more)";
  out.findings = std::move(unique);
  return out;
}

}  // namespace mugai::zip
