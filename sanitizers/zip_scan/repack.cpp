// See repack.h. Record layouts: APPNOTE.TXT 6.3.x, sections 4.3.7 (local
// file header), 4.3.12 (central directory header), 4.3.14-16 (ZIP64 end
// records), 4.3.16 (end of central directory), 4.5.3 (ZIP64 extra).
#include "sanitizers/zip_scan/repack.h"

#include <libdeflate.h>

#include <algorithm>
#include <ctime>
#include <set>

#include "core/c_handles.h"
#include "core/node.h"

namespace mugai::sanitizers::zip_scan {
namespace {

constexpr std::uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50,
                        kZip64EndSig = 0x06064b50, kZip64LocatorSig = 0x07064b50;
constexpr std::uint64_t kMax32 = 0xFFFFFFFF, kMax16 = 0xFFFF;
constexpr std::uint16_t kUtf8Flag = 0x0800, kStored = 0, kDeflate = 8;
constexpr std::uint16_t kMadeByUnix = 3 << 8;
constexpr std::uint32_t kRegularFileMode = 0100644u << 16;  // -rw-r--r--, in the high half (Unix)
constexpr int kDeflateLevel = 6;

void put16(std::string& out, std::uint64_t v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
}
void put32(std::string& out, std::uint64_t v) {
  put16(out, v & 0xFFFF);
  put16(out, (v >> 16) & 0xFFFF);
}
void put64(std::string& out, std::uint64_t v) {
  put32(out, v & kMax32);
  put32(out, v >> 32);
}

// What the central directory needs to know of an entry once it is written.
struct Written {
  std::uint16_t flags, method, dosTime, dosDate;
  std::uint32_t crc;
  std::uint64_t compressed, size, offset;
  const std::string* name;
};

void dosNow(std::uint16_t& time, std::uint16_t& date) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  time = static_cast<std::uint16_t>((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
  date = static_cast<std::uint16_t>(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
}

// APPNOTE 4.4.3.2: 1.0 stored, 2.0 Deflate, 2.1 Deflate64, 4.5 ZIP64, 4.6
// BZIP2, 6.3 LZMA and later methods (a kept entry keeps its method).
std::uint16_t versionNeeded(std::uint16_t method, bool zip64) {
  std::uint16_t v = method == kStored ? 10 : method == kDeflate ? 20 : method == 9 ? 21 : method == 12 ? 46 : 63;
  return zip64 && v < 45 ? 45 : v;
}

// ZIP64 extra of a local header: both sizes, always in this order.
void localHeader(std::string& out, const Written& w) {
  const bool zip64 = w.size >= kMax32 || w.compressed >= kMax32;
  put32(out, kLocalSig);
  put16(out, versionNeeded(w.method, zip64));
  put16(out, w.flags);
  put16(out, w.method);
  put16(out, w.dosTime);
  put16(out, w.dosDate);
  put32(out, w.crc);
  put32(out, zip64 ? kMax32 : w.compressed);
  put32(out, zip64 ? kMax32 : w.size);
  put16(out, w.name->size());
  put16(out, zip64 ? 20 : 0);
  out += *w.name;
  if (zip64) {
    put16(out, 0x0001);
    put16(out, 16);
    put64(out, w.size);
    put64(out, w.compressed);
  }
}

// ZIP64 extra of a central header: only the fields that overflowed, in
// the order size, compressed size, offset.
void centralHeader(std::string& out, const Written& w) {
  const bool bigSize = w.size >= kMax32, bigCompressed = w.compressed >= kMax32, bigOffset = w.offset >= kMax32;
  const std::uint16_t extra = static_cast<std::uint16_t>(8 * (bigSize + bigCompressed + bigOffset));
  put32(out, kCentralSig);
  put16(out, kMadeByUnix | 63);
  put16(out, versionNeeded(w.method, extra != 0));
  put16(out, w.flags);
  put16(out, w.method);
  put16(out, w.dosTime);
  put16(out, w.dosDate);
  put32(out, w.crc);
  put32(out, bigCompressed ? kMax32 : w.compressed);
  put32(out, bigSize ? kMax32 : w.size);
  put16(out, w.name->size());
  put16(out, extra ? extra + 4 : 0);
  put16(out, 0);  // comment
  put16(out, 0);  // disk
  put16(out, 0);  // internal attributes
  put32(out, kRegularFileMode);
  put32(out, bigOffset ? kMax32 : w.offset);
  out += *w.name;
  if (extra) {
    put16(out, 0x0001);
    put16(out, extra);
    if (bigSize) put64(out, w.size);
    if (bigCompressed) put64(out, w.compressed);
    if (bigOffset) put64(out, w.offset);
  }
}

void endRecords(std::string& out, std::uint64_t count, std::uint64_t cdOffset, std::uint64_t cdSize) {
  if (count >= kMax16 || cdOffset >= kMax32 || cdSize >= kMax32) {
    const std::uint64_t zip64End = out.size();
    put32(out, kZip64EndSig);
    put64(out, 44);  // size of the rest of this record
    put16(out, kMadeByUnix | 63);
    put16(out, 45);
    put32(out, 0);  // this disk
    put32(out, 0);  // disk of the central directory
    put64(out, count);
    put64(out, count);
    put64(out, cdSize);
    put64(out, cdOffset);
    put32(out, kZip64LocatorSig);
    put32(out, 0);
    put64(out, zip64End);
    put32(out, 1);  // total disks
  }
  put32(out, kEndSig);
  put16(out, 0);
  put16(out, 0);
  put16(out, std::min(count, kMax16));
  put16(out, std::min(count, kMax16));
  put32(out, std::min(cdSize, kMax32));
  put32(out, std::min(cdOffset, kMax32));
  put16(out, 0);  // comment
}

}  // namespace

std::optional<std::string> repack(const std::vector<PackedFile>& files, std::string_view original, std::string& error) {
  // Names: what a client writes to disk must be one file each. zip_scan
  // has cleaned and de-duplicated them; this is the writer's own guard.
  std::set<std::string> seen;
  for (const auto& f : files) {
    if (f.name.empty() || f.name.size() > kMax16 || !seen.insert(toLower(f.name)).second) {
      error = f.name.empty() ? "an entry name is empty"
              : f.name.size() > kMax16 ? "an entry name is longer than 65535 bytes"
                                       : "two entries have the same name";
      return std::nullopt;
    }
  }
  std::uint64_t expect = 22 + 56 + 20;
  for (const auto& f : files)
    expect += 30 + 46 + 2 * (f.name.size() + 20 + 24) +
              (f.copyFrom ? std::min<std::uint64_t>(f.copyFrom->compressedSize, original.size())
                          : f.bytes->size() + f.bytes->size() / 1000 + 64);
  std::string out;
  out.reserve(static_cast<std::size_t>(expect));
  std::vector<Written> written;
  written.reserve(files.size());
  std::string packed;  // new content, deflated
  for (const auto& f : files) {
    Written w{kUtf8Flag, kStored, f.dosTime, f.dosDate, 0, 0, 0, out.size(), &f.name};
    if (!f.dosTime && !f.dosDate) dosNow(w.dosTime, w.dosDate);
    std::string_view data;
    if (const zip::Entry* e = f.copyFrom) {
      if (e->encrypted() || e->dataOffset > original.size() || original.size() - e->dataOffset < e->compressedSize) {
        error = "a kept entry's data lies outside the original archive";
        return std::nullopt;
      }
      data = original.substr(e->dataOffset, e->compressedSize);
      w.method = e->method;
      w.flags |= e->flags & 0x0006;  // the method's own bits (Deflate level, LZMA end marker), APPNOTE 4.4.4
      w.crc = e->crc32;
      w.size = e->uncompressedSize;
    } else {
      const std::string& raw = *f.bytes;
      w.crc = libdeflate_crc32(0, raw.data(), raw.size());
      w.size = raw.size();
      data = raw;
      if (!f.store && !raw.empty()) {
        static thread_local DeflateCompressorPtr deflater(libdeflate_alloc_compressor(kDeflateLevel));
        if (!deflater) {
          error = "cannot allocate a compressor";
          return std::nullopt;
        }
        packed.resize(libdeflate_deflate_compress_bound(deflater.get(), raw.size()));
        const std::size_t n = libdeflate_deflate_compress(deflater.get(), raw.data(), raw.size(), packed.data(), packed.size());
        // Already compressed content (a re-rendered PDF, an inner archive) stays stored.
        if (n > 0 && n < raw.size()) {
          data = std::string_view(packed.data(), n);
          w.method = kDeflate;
        }
      }
    }
    w.compressed = data.size();
    localHeader(out, w);
    out.append(data);
    written.push_back(w);
  }
  const std::uint64_t cdOffset = out.size();
  for (const auto& w : written) centralHeader(out, w);
  endRecords(out, written.size(), cdOffset, out.size() - cdOffset);
  return out;
}

}  // namespace mugai::sanitizers::zip_scan
