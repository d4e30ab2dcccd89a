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

// Charset names come from hostile mail: only plain names reach iconv
// (glibc ignores junk such as "utf-8///N", which would make every spelling a
// new descriptor), and the cache is bounded.
bool plainName(const char* name) {
  std::size_t n = 0;
  for (const char* p = name; *p; ++p, ++n) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.' || c == ':' || c == '+';
    if (!ok || n >= 40) return false;
  }
  return n > 0;
}

iconv_t cached(const char* from, const char* to) {
  constexpr std::size_t kMaxCached = 32;
  thread_local std::map<std::pair<std::string, std::string>, IconvPtr> cache;
  if (!plainName(from) || !plainName(to)) return reinterpret_cast<iconv_t>(-1);
  auto key = std::make_pair(std::string(from), std::string(to));
  auto it = cache.find(key);
  if (it == cache.end()) {
    if (cache.size() >= kMaxCached) cache.clear();
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
  while (inLeft > 0) {
    char* outp = buf;
    size_t outLeft = sizeof buf;
    size_t rc = iconv(cd, &inp, &inLeft, &outp, &outLeft);
    out.append(buf, static_cast<size_t>(outp - buf));
    if (rc != static_cast<size_t>(-1)) {
      // rc > 0 counts irreversible conversions: not exact.
      if (strict && rc > 0) return std::nullopt;
      continue;
    }
    if (errno == E2BIG) continue;
    // EILSEQ (invalid or unconvertible) or EINVAL (truncated sequence at end).
    if (strict) return std::nullopt;
    out += "\xEF\xBF\xBD";
    ++inp;
    --inLeft;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
  }
  // Return to the initial shift state (ISO-2022-*, UTF-7 end with it).
  char* outp = buf;
  size_t outLeft = sizeof buf;
  if (iconv(cd, nullptr, nullptr, &outp, &outLeft) != static_cast<size_t>(-1))
    out.append(buf, static_cast<size_t>(outp - buf));
  return out;
}

}  // namespace mugai::charset
