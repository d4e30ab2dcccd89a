// See signature.h. The hex grammar is read left to right into segments
// (byte runs and alternative groups) separated by gaps; a gap that is not a
// short fixed `{n}` ends a part. Each part is then expanded into its
// variants (one per combination of alternatives), capped by kMaxVariants.
#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <system_error>

#include "core/match/signature.h"

namespace mugai::match {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parseNumber(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

/// Hex pairs with `??`, `a?`, `?a` into `out`; false on anything else.
bool parseBytes(std::string_view s, Pattern& out, std::string& error) {
  if (s.size() % 2 != 0) {
    error = "odd number of hex digits in \"" + std::string(s) + "\"";
    return false;
  }
  for (std::size_t i = 0; i < s.size(); i += 2) {
    const char a = s[i], b = s[i + 1];
    const int ha = hexValue(a), hb = hexValue(b);
    if (a == '?' && b == '?') {
      out.push_back({0, 0x00});
    } else if (ha >= 0 && b == '?') {
      out.push_back({static_cast<std::uint8_t>(ha << 4), 0xF0});
    } else if (a == '?' && hb >= 0) {
      out.push_back({static_cast<std::uint8_t>(hb), 0x0F});
    } else if (ha >= 0 && hb >= 0) {
      out.push_back({static_cast<std::uint8_t>(ha << 4 | hb), 0xFF});
    } else {
      error = "not a hex byte: \"" + std::string(s.substr(i, 2)) + "\"";
      return false;
    }
  }
  return true;
}

/// One part under construction: a sequence of segments, each a list of
/// alternatives (a plain byte run is a segment with one alternative).
struct PartBuilder {
  std::uint64_t gapMin = 0, gapMax = 0;
  std::vector<std::vector<Pattern>> segments;
  bool empty() const { return segments.empty(); }
  void addRun(Pattern run) {
    if (!segments.empty() && segments.back().size() == 1)
      segments.back()[0].insert(segments.back()[0].end(), run.begin(), run.end());
    else
      segments.push_back({std::move(run)});
  }
};

bool expand(const PartBuilder& b, SigPart& part, std::string& error) {
  part.gapMin = b.gapMin;
  part.gapMax = b.gapMax;
  std::vector<Pattern> variants{Pattern{}};
  for (const auto& seg : b.segments) {
    if (variants.size() * seg.size() > kMaxVariants) {
      error = "alternatives expand to more than " + std::to_string(kMaxVariants) + " variants";
      return false;
    }
    std::vector<Pattern> next;
    for (const auto& v : variants)
      for (const auto& alt : seg) {
        Pattern p = v;
        p.insert(p.end(), alt.begin(), alt.end());
        next.push_back(std::move(p));
      }
    variants = std::move(next);
  }
  for (const auto& v : variants) {
    if (v.size() > kMaxPatternBytes) {
      error = "a part is longer than " + std::to_string(kMaxPatternBytes) + " bytes";
      return false;
    }
    if (bestFixedRun(v).length < 2) {
      error = "every part needs two consecutive fixed bytes (a part of only wildcards and nibbles cannot be searched)";
      return false;
    }
  }
  std::sort(variants.begin(), variants.end(), [](const Pattern& x, const Pattern& y) {
    return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end(), [](auto a, auto c) {
      return std::pair(a.value, a.mask) < std::pair(c.value, c.mask);
    });
  });
  variants.erase(std::unique(variants.begin(), variants.end()), variants.end());
  part.variants = std::move(variants);
  return true;
}

/// `{...}` contents into [min, max].
bool parseGap(std::string_view s, std::uint64_t& min, std::uint64_t& max, std::string& error) {
  const auto dash = s.find('-');
  bool ok;
  if (dash == std::string_view::npos) {
    ok = parseNumber(s, min);
    max = min;
  } else {
    const auto lo = s.substr(0, dash), hi = s.substr(dash + 1);
    min = 0;
    max = kUnbounded;
    ok = (lo.empty() || parseNumber(lo, min)) && (hi.empty() || parseNumber(hi, max)) && !(lo.empty() && hi.empty());
    if (ok && min > max) ok = false;
  }
  if (!ok) error = "bad gap {" + std::string(s) + "}";
  return ok;
}

bool parseBody(std::string_view hex, Signature& sig, std::string& error) {
  std::vector<PartBuilder> parts(1);
  std::size_t i = 0;
  auto closePart = [&](std::uint64_t min, std::uint64_t max) {
    if (parts.back().empty()) {
      error = "a gap at the start of the signature or next to another gap";
      return false;
    }
    parts.emplace_back();
    parts.back().gapMin = min;
    parts.back().gapMax = max;
    return true;
  };
  while (i < hex.size()) {
    const char c = hex[i];
    if (c == '*') {
      if (!closePart(0, kUnbounded)) return false;
      ++i;
    } else if (c == '{') {
      const auto end = hex.find('}', i);
      if (end == std::string_view::npos) return error = "unclosed {", false;
      std::uint64_t min = 0, max = 0;
      if (!parseGap(hex.substr(i + 1, end - i - 1), min, max, error)) return false;
      if (min == max && max <= kMaxInlineGap && !parts.back().empty())
        parts.back().addRun(Pattern(min, PatternByte{0, 0}));
      else if (!closePart(min, max))
        return false;
      i = end + 1;
    } else if (c == '(') {
      const auto end = hex.find(')', i);
      if (end == std::string_view::npos) return error = "unclosed (", false;
      const auto body = hex.substr(i + 1, end - i - 1);
      if (body == "B" || body == "L") return error = "boundary markers (B) and (L) are not supported", false;
      std::vector<Pattern> alts;
      std::size_t start = 0;
      while (true) {
        const auto bar = body.find('|', start);
        const auto alt = body.substr(start, bar == std::string_view::npos ? body.size() - start : bar - start);
        Pattern p;
        if (alt.empty()) return error = "empty alternative in (" + std::string(body) + ")", false;
        if (!parseBytes(alt, p, error)) return false;
        alts.push_back(std::move(p));
        if (bar == std::string_view::npos) break;
        start = bar + 1;
      }
      parts.back().segments.push_back(std::move(alts));
      i = end + 1;
    } else if (c == '!') {
      return error = "negated alternatives !(...) are not supported", false;
    } else if (c == '[') {
      return error = "anchored byte ranges [n-m] are not supported", false;
    } else {
      std::size_t j = i;
      while (j < hex.size() && (hexValue(hex[j]) >= 0 || hex[j] == '?')) ++j;
      if (j == i) return error = std::string("unexpected character '") + c + "' (not hex or signature syntax)", false;
      Pattern run;
      if (!parseBytes(hex.substr(i, j - i), run, error)) return false;
      parts.back().addRun(std::move(run));
      i = j;
    }
  }
  if (parts.back().empty()) return error = hex.empty() ? "empty signature" : "a gap at the end of the signature", false;
  for (const auto& b : parts) {
    SigPart part;
    if (!expand(b, part, error)) return false;
    sig.parts.push_back(std::move(part));
  }
  return true;
}

bool parseOffset(std::string_view s, Signature& sig, std::string& error) {
  if (s == "*") return true;
  if (s.starts_with("EOF-")) {
    sig.offsetKind = OffsetKind::FromEnd;
    if (parseNumber(s.substr(4), sig.offsetA)) return true;
  } else if (const auto comma = s.find(','); comma != std::string_view::npos) {
    sig.offsetKind = OffsetKind::Range;
    if (parseNumber(s.substr(0, comma), sig.offsetA) && parseNumber(s.substr(comma + 1), sig.offsetB)) return true;
  } else if (parseNumber(s, sig.offsetA)) {
    sig.offsetKind = OffsetKind::Exact;
    return true;
  } else if (s.starts_with("EP") || s.starts_with("S") || s.starts_with("VI")) {
    error = "offset \"" + std::string(s) + "\" (relative to an executable's entry point or section) is not supported";
    return false;
  }
  error = "bad offset \"" + std::string(s) + "\"";
  return false;
}

std::vector<std::string_view> splitColons(std::string_view line) {
  std::vector<std::string_view> f;
  std::size_t start = 0;
  while (true) {
    const auto c = line.find(':', start);
    f.push_back(line.substr(start, c == std::string_view::npos ? line.size() - start : c - start));
    if (c == std::string_view::npos) return f;
    start = c + 1;
  }
}

bool validName(std::string_view name, std::string& error) {
  if (name.empty()) return error = "empty signature name", false;
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7F) return error = "control character in the signature name", false;
  return true;
}

}  // namespace

FixedRun bestFixedRun(const Pattern& p) {
  FixedRun best;
  for (std::size_t i = 0; i < p.size();) {
    if (p[i].mask != 0xFF) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < p.size() && p[j].mask == 0xFF) ++j;
    if (j - i > best.length) best = {i, j - i};
    i = j;
  }
  return best;
}

std::optional<Signature> parseNdbLine(std::string_view line, std::string& error) {
  const auto f = splitColons(line);
  if (f.size() < 4 || f.size() > 6) {
    error = "expected Name:TargetType:Offset:HexSignature[:MinFL[:MaxFL]]";
    return std::nullopt;
  }
  Signature sig;
  if (!validName(f[0], error)) return std::nullopt;
  sig.name = std::string(f[0]);
  std::uint64_t target = 0;
  if (!parseNumber(f[1], target) || target > 14) {
    error = "bad target type \"" + std::string(f[1]) + "\" (0 to 14)";
    return std::nullopt;
  }
  sig.target = static_cast<std::uint8_t>(target);
  if (!parseOffset(f[2], sig, error) || !parseBody(f[3], sig, error)) return std::nullopt;
  return sig;
}

std::optional<Signature> parseHashLine(std::string_view line, std::string& error) {
  const auto f = splitColons(line);
  if (f.size() < 3 || f.size() > 5) {
    error = "expected Hash:FileSize:Name[:MinFL[:MaxFL]]";
    return std::nullopt;
  }
  Signature sig;
  switch (f[0].size()) {
    case 32: sig.kind = SigKind::Md5; break;
    case 40: sig.kind = SigKind::Sha1; break;
    case 64: sig.kind = SigKind::Sha256; break;
    default:
      error = "hash of " + std::to_string(f[0].size()) + " hex digits (MD5 has 32, SHA-1 40, SHA-256 64)";
      return std::nullopt;
  }
  for (std::size_t i = 0; i < f[0].size(); i += 2) {
    const int a = hexValue(f[0][i]), b = hexValue(f[0][i + 1]);
    if (a < 0 || b < 0) {
      error = "the hash is not hex";
      return std::nullopt;
    }
    sig.digest.push_back(static_cast<std::uint8_t>(a << 4 | b));
  }
  if (f[1] != "*" && !parseNumber(f[1], sig.size)) {
    error = "bad file size \"" + std::string(f[1]) + "\"";
    return std::nullopt;
  }
  if (!validName(f[2], error)) return std::nullopt;
  sig.name = std::string(f[2]);
  return sig;
}

namespace {

enum class FileKind { Ndb, Hash, Other };

FileKind kindOf(const std::filesystem::path& p) {
  const auto ext = p.extension().string();
  if (ext == ".ndb" || ext == ".ndu") return FileKind::Ndb;
  if (ext == ".hdb" || ext == ".hsb" || ext == ".hdu" || ext == ".hsu") return FileKind::Hash;
  return FileKind::Other;
}

void loadFile(const std::filesystem::path& path, FileKind kind, SignatureSet& set) {
  std::ifstream in(path, std::ios::binary);
  std::string text;
  if (in) text.assign(std::istreambuf_iterator<char>(in), {});
  if (!in.is_open() || in.bad()) {
    set.errors.push_back({path.string(), "cannot read the file", true});
    return;
  }
  set.files.push_back(path.string());
  parseSignatureText(text, kind == FileKind::Ndb, path.string(), set);
}

}  // namespace

void parseSignatureText(std::string_view text, bool ndb, const std::string& name, SignatureSet& set) {
  std::size_t lineNo = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    const std::string where = name + ":" + std::to_string(lineNo);
    std::string error;
    auto sig = ndb ? parseNdbLine(line, error) : parseHashLine(line, error);
    if (!sig) {
      set.errors.push_back({where, error});
      continue;
    }
    sig->origin = where;
    set.signatures.push_back(std::move(*sig));
  }
}

SignatureSet loadSignatures(const std::vector<std::filesystem::path>& paths) {
  SignatureSet set;
  for (const auto& path : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      std::vector<std::filesystem::path> files;
      for (const auto& e : std::filesystem::directory_iterator(path, ec))
        if (kindOf(e.path()) != FileKind::Other && e.is_regular_file(ec)) files.push_back(e.path());
      if (ec) set.errors.push_back({path.string(), "cannot list the directory: " + ec.message(), true});
      std::sort(files.begin(), files.end());
      for (const auto& f : files) loadFile(f, kindOf(f), set);
    } else if (!std::filesystem::exists(path, ec)) {
      set.errors.push_back({path.string(), "no such file or directory", true});
    } else if (kindOf(path) == FileKind::Other) {
      set.errors.push_back({path.string(), "not a signature file (.ndb, .hdb or .hsb)", true});
    } else {
      loadFile(path, kindOf(path), set);
    }
  }
  return set;
}

}  // namespace mugai::match
