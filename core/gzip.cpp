// See gzip.h.
#include "core/gzip.h"

#include <zlib.h>

#include <stdexcept>

namespace mugai {
namespace {

// windowBits 15 + 16 selects the gzip wrapper instead of zlib's.
constexpr int kGzipWindow = 15 + 16;
constexpr std::size_t kChunk = 1 << 16;

/// One z_stream, ended on scope exit (STYLE: move-only RAII for z_stream).
class ZStream {
 public:
  explicit ZStream(bool inflating) : inflating_(inflating) {}
  ZStream(const ZStream&) = delete;
  ZStream& operator=(const ZStream&) = delete;
  ~ZStream() { reset(); }
  /// Ends the stream (if started); it may then be initialised again.
  void reset() {
    if (!ready_) return;
    if (inflating_) inflateEnd(&z_);
    else deflateEnd(&z_);
    z_ = z_stream{};
    ready_ = false;
  }
  z_stream* operator->() { return &z_; }
  z_stream* get() { return &z_; }
  void started() { ready_ = true; }

 private:
  z_stream z_{};
  bool inflating_;
  bool ready_ = false;
};

}  // namespace

std::string gzipCompress(std::string_view bytes, int level) {
  // One deflate state per thread, reset for each buffer: deflateInit2
  // allocates ~256 KiB, and a fresh allocation per original (malloc, page
  // faults, then the heap trimmed back with madvise and a TLB flush on
  // every core) cost more than compressing a 10 kB mail.
  thread_local ZStream z(false);
  thread_local int zLevel = -1;
  if (zLevel != level || deflateReset(z.get()) != Z_OK) {  // first use, another level, or a state zlib refuses
    z.reset();
    zLevel = -1;
    if (deflateInit2(z.get(), level, Z_DEFLATED, kGzipWindow, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw std::runtime_error("zlib: deflateInit2 failed");
    z.started();
    zLevel = level;
  }
  std::string out;
  out.resize(deflateBound(z.get(), static_cast<uLong>(bytes.size())));
  z->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z->avail_in = static_cast<uInt>(bytes.size());
  z->next_out = reinterpret_cast<Bytef*>(out.data());
  z->avail_out = static_cast<uInt>(out.size());
  // deflateBound guarantees one Z_FINISH call completes for inputs < 4 GiB.
  if (bytes.size() > UINT32_MAX || deflate(z.get(), Z_FINISH) != Z_STREAM_END) {
    z.reset();  // a half-used state is never reset and reused
    zLevel = -1;
    throw std::runtime_error("zlib: deflate did not finish");
  }
  out.resize(z->total_out);
  return out;
}

std::string gzipDecompress(std::string_view gz, std::string& out, std::uint64_t maxBytes) {
  ZStream z(true);
  if (inflateInit2(z.get(), kGzipWindow) != Z_OK) return "inflateInit2 failed";
  z.started();
  out.clear();
  z->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z->avail_in = static_cast<uInt>(gz.size());
  char buf[kChunk];
  for (;;) {
    z->next_out = reinterpret_cast<Bytef*>(buf);
    z->avail_out = kChunk;
    int rc = inflate(z.get(), Z_NO_FLUSH);
    out.append(buf, kChunk - z->avail_out);
    if (out.size() > maxBytes) return "output larger than " + std::to_string(maxBytes) + " bytes";
    if (rc == Z_STREAM_END) return z->avail_in == 0 ? "" : "trailing data after the gzip stream";
    if (rc == Z_BUF_ERROR || (rc == Z_OK && z->avail_in == 0 && z->avail_out != 0)) return "truncated gzip stream";
    if (rc != Z_OK) return std::string("zlib: ") + (z->msg ? z->msg : "inflate failed");
  }
}

}  // namespace mugai
