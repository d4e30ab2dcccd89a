// See entry_reader.h.
#include "sanitizers/zip_scan/entry_reader.h"

#include <libdeflate.h>

#include <algorithm>
#include <cstring>

#include "core/c_handles.h"

namespace mugai::sanitizers::zip_scan {
namespace {

constexpr std::uint64_t kRatioFloor = 1 << 20;  // small entries may compress well: check the ratio past 1 MiB
constexpr std::uint16_t kStored = 0, kDeflate = 8;

Refusal entryTooLarge() {
  return {"limit.archive_entry_bytes", "an entry is larger than max_entry_bytes", "書庫内のファイルが大きすぎます"};
}
Refusal budgetSpent() {
  return {"limit.decoded_bytes", "archive contents exceed max_decoded_bytes", "展開後のサイズが上限を超えています"};
}
Refusal bomb(const Options& o) {
  return {"limit.compression_ratio", "an entry inflates more than " + std::to_string(o.maxRatio) + " times (a zip bomb)",
          "圧縮率が異常です（ZIP 爆弾）"};
}
Refusal sizeMismatch(const zip::Entry& e, std::string_view moreOrFewer) {
  return {"zip.size_mismatch",
          "an entry holds " + std::string(moreOrFewer) + " than its declared " + std::to_string(e.uncompressedSize) +
              " bytes",
          "書庫の申告サイズと中身が一致しません"};
}
Refusal corrupt(std::string_view what) {
  return {"zip.corrupt_entry", "entry data is corrupt: " + std::string(what), "書庫の中身が壊れています"};
}

}  // namespace

bool inflatesDirectly(const zip::Entry& e) {
  return !e.encrypted() && (e.method == kStored || e.method == kDeflate);
}

bool admitEntry(const zip::Entry& e, const Options& o, ScanContext& ctx, Refusal& why) {
  const std::uint64_t declared = e.uncompressedSize;
  // The same order as the bytes would meet the caps while reading: the
  // ratio passes 1 MiB first, then the entry cap, with the budget charged
  // all the way.
  if (declared > kRatioFloor && declared / std::max<std::uint64_t>(e.compressedSize, 1) > o.maxRatio) {
    why = bomb(o);
    return false;
  }
  if (declared > o.maxEntryBytes) {
    why = entryTooLarge();
    return false;
  }
  if (!ctx.chargeDecoded(declared)) {
    why = budgetSpent();
    return false;
  }
  return true;
}

std::optional<std::string> inflateAdmitted(std::string_view archive, const zip::Entry& e, Refusal& why) {
  const std::uint64_t declared = e.uncompressedSize;
  if (e.dataOffset > archive.size() || archive.size() - e.dataOffset < e.compressedSize) {
    why = corrupt("compressed data runs past the end of the archive");
    return std::nullopt;
  }
  const std::string_view in = archive.substr(e.dataOffset, e.compressedSize);
  if (e.method == kStored && in.size() != declared) {
    why = sizeMismatch(e, in.size() > declared ? "more" : "fewer");
    return std::nullopt;
  }
  std::string out(static_cast<std::size_t>(declared), '\0');
  if (e.method == kStored) {
    std::memcpy(out.data(), in.data(), in.size());
  } else {
    static thread_local DeflateDecompressorPtr inflater(libdeflate_alloc_decompressor());
    if (!inflater) {
      why = {"zip.unreadable_entry", "cannot allocate a decompressor", "書庫の中身を読めません"};
      return std::nullopt;
    }
    // Whole-stream decompression into exactly `declared` bytes: a stream
    // that would write one byte more stops with INSUFFICIENT_SPACE.
    std::size_t got = 0, used = 0;
    switch (libdeflate_deflate_decompress_ex(inflater.get(), in.data(), in.size(), out.data(), out.size(), &used,
                                             &got)) {
      case LIBDEFLATE_SUCCESS: break;
      case LIBDEFLATE_INSUFFICIENT_SPACE: why = sizeMismatch(e, "more"); return std::nullopt;
      default: why = corrupt("invalid Deflate data"); return std::nullopt;
    }
    if (got != declared) {
      why = sizeMismatch(e, "fewer");
      return std::nullopt;
    }
    // Bytes after the end of the stream are read by no client, and would be
    // copied into the cleaned archive unscanned.
    if (used != in.size()) {
      why = corrupt("bytes after the end of the Deflate stream");
      return std::nullopt;
    }
  }
  if (libdeflate_crc32(0, out.data(), out.size()) != e.crc32) {
    why = corrupt("CRC error");
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> readEntry(zip_t* za, zip_uint64_t i, const zip::Entry& e, const Options& o,
                                     ScanContext& ctx, Refusal& why, const char* password, bool* aesUnverified) {
  ZipFilePtr f(password ? zip_fopen_index_encrypted(za, i, 0, password) : zip_fopen_index(za, i, 0));
  if (!f) {
    why = {"zip.unreadable_entry", std::string("libzip cannot open an entry: ") + zip_strerror(za), "書庫の中身を読めません"};
    return std::nullopt;
  }
  std::string out;
  const std::uint64_t cap = std::min<std::uint64_t>(o.maxEntryBytes, e.uncompressedSize) + 1;
  // One allocation for an honest entry instead of a copy per doubling; the
  // declared size is the sender's word, so at most 64 MiB on it.
  out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(cap, 64u << 20)));
  char buf[1 << 16];
  for (;;) {
    zip_int64_t n = zip_fread(f.get(), buf, sizeof buf);
    if (n < 0 && e.aes && aesUnverified && out.size() == e.uncompressedSize &&
        zip_error_code_zip(zip_file_get_error(f.get())) == ZIP_ER_CRC) {
      *aesUnverified = true;  // AE-2 stores no CRC; libzip 1.7.3 checks one anyway
      break;
    }
    if (n < 0) {
      why = corrupt(zip_file_strerror(f.get()));
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (!ctx.chargeDecoded(static_cast<std::uint64_t>(n))) {
      why = budgetSpent();
      return std::nullopt;
    }
    if (out.size() > kRatioFloor && out.size() / std::max<std::uint64_t>(e.compressedSize, 1) > o.maxRatio) {
      why = bomb(o);
      return std::nullopt;
    }
    if (out.size() >= cap) break;
  }
  if (out.size() > e.uncompressedSize) {
    why = sizeMismatch(e, "more");
    return std::nullopt;
  }
  // As on the libdeflate path: what is kept is copied with the declared
  // size and CRC, so the two must describe the bytes we scanned.
  if (out.size() < e.uncompressedSize && out.size() <= o.maxEntryBytes) {
    why = sizeMismatch(e, "fewer");
    return std::nullopt;
  }
  if (out.size() > o.maxEntryBytes) {
    why = entryTooLarge();
    return std::nullopt;
  }
  return out;
}

}  // namespace mugai::sanitizers::zip_scan
