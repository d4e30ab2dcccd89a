// See iconv_codec.h.
#include "core/charset/iconv_codec.h"

#include <iconv.h>

#include <cerrno>
#include <map>
#include <memory>
#include <utility>

namespace mugai::charset {
namespace {

struct IconvCloser {
  void operator()(void* cd) const { iconv_close(static_cast<iconv_t>(cd)); }
};
using IconvPtr = std::unique_ptr<void, IconvCloser>;

iconv_t cached(const char* from, const char* to) {
  thread_local std::map<std::pair<std::string, std::string>, IconvPtr> cache;
  auto key = std::make_pair(std::string(from), std::string(to));
  auto it = cache.find(key);
  if (it == cache.end()) {
    iconv_t cd = iconv_open(to, from);
    if (cd == reinterpret_cast<iconv_t>(-1)) return cd;
    it = cache.emplace(std::move(key), IconvPtr(cd)).first;
  }
  iconv_t cd = static_cast<iconv_t>(it->second.get());
  iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset shift state
  return cd;
}

}  // namespace

std::optional<std::string> iconvConvert(std::string_view in, const char* from, const char* to,
                                        bool strict) {
  iconv_t cd = cached(from, to);
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 2 + 16);
  char buf[4096];
  char* inp = const_cast<char*>(in.data());
  size_t inLeft = in.size();
  while (true) {
    char* outp = buf;
    size_t outLeft = sizeof buf;
    size_t rc = inLeft ? iconv(cd, &inp, &inLeft, &outp, &outLeft)
                       : iconv(cd, nullptr, nullptr, &outp, &outLeft);  // flush
    out.append(buf, static_cast<size_t>(outp - buf));
    if (rc != static_cast<size_t>(-1)) {
      if (inLeft == 0) {
        // rc > 0 means irreversible conversions were made: not exact.
        if (strict && rc > 0) return std::nullopt;
        break;
      }
      continue;
    }
    if (errno == E2BIG) continue;
    // EILSEQ (invalid or unconvertible) or EINVAL (truncated sequence at end).
    if (strict) return std::nullopt;
    out += "\xEF\xBF\xBD";
    ++inp;
    --inLeft;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
    if (inLeft == 0) break;
  }
  return out;
}

}  // namespace mugai::charset
