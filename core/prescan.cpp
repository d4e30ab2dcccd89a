// See prescan.h.
#include "core/prescan.h"

#include "core/charset/header_params.h"

#include <algorithm>
#include <string>
#include <unordered_set>

namespace mugai {
namespace {

// Calls f(line) for each line (without its LF / CRLF) until f returns false.
template <class F>
void forEachLine(std::string_view s, F&& f) {
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t nl = s.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? s.size() : nl;
    std::string_view line = s.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!f(line)) return;
    pos = end + 1;
  }
}

bool startsWithWsp(std::string_view l) { return !l.empty() && (l[0] == ' ' || l[0] == '\t'); }

// Case-insensitive find of an ASCII lower-case needle, without copying the
// input (it may be 50 MB). A plain loop on the first byte: every casing
// must be found, or "bOuNdArY" would slip past the part-count bound.
std::size_t findCi(std::string_view hay, std::string_view lowerNeedle, std::size_t pos) {
  const char lo = lowerNeedle[0];
  const char up = static_cast<char>(lo - 32);
  const std::size_t n = lowerNeedle.size();
  for (std::size_t i = pos; i + n <= hay.size(); ++i) {
    if (hay[i] != lo && hay[i] != up) continue;
    std::size_t k = 1;
    while (k < n && (hay[i + k] | 0x20) == lowerNeedle[k]) ++k;
    if (k == n) return i;
  }
  return std::string_view::npos;
}

// Every boundary the input may declare, read two ways: literally after
// "boundary=" anywhere, and through our structured-field parser on every
// Content-Type field (RFC 2231 "boundary*=''x", encoded words, quoting),
// so that a spelling GMime decodes cannot slip past the bound.
// Over-collecting is harmless: it only makes the bound looser.
std::vector<std::string> collectBoundaries(std::string_view s, const Limits& limits) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = findCi(s, "boundary", pos)) != std::string_view::npos) {
    std::size_t i = pos + 8;
    pos = i;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '*' || (s[i] >= '0' && s[i] <= '9'))) ++i;
    if (i >= s.size() || s[i] != '=') continue;
    ++i;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::string b;
    if (i < s.size() && s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"' && s[i] != '\n' && b.size() < 200) b += s[i++];
    } else {
      while (i < s.size() && s[i] != ';' && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n' &&
             b.size() < 200)
        b += s[i++];
    }
    if (!b.empty()) out.push_back(std::move(b));
  }
  pos = 0;
  while ((pos = findCi(s, "content-type:", pos)) != std::string_view::npos) {
    bool lineStart = pos == 0 || s[pos - 1] == '\n';
    std::size_t end = pos + 13;
    // The field with its folded continuation lines, bounded.
    while (end < s.size() && end - pos < limits.maxHeaderBytes) {
      std::size_t nl = s.find('\n', end);
      if (nl == std::string_view::npos) {
        end = s.size();
        break;
      }
      end = nl + 1;
      if (end >= s.size() || (s[end] != ' ' && s[end] != '\t')) break;
    }
    if (lineStart) {
      auto field = charset::parseStructured(s.substr(pos + 13, std::min(end, s.size()) - pos - 13));
      if (auto it = field.params.find("boundary"); it != field.params.end() && !it->second.empty())
        out.push_back(it->second);
    }
    pos = end > pos + 13 ? end : pos + 13;
  }
  return out;
}

}  // namespace

std::vector<Finding> prescan(std::string_view bytes, const Limits& limits) {
  std::vector<Finding> out;
  if (bytes.size() > limits.maxMessageBytes) {
    out.push_back({"limit.message_size",
                   "message is " + std::to_string(bytes.size()) + " bytes, limit " +
                       std::to_string(limits.maxMessageBytes),
                   "", true});
    return out;  // nothing else is read from an oversized input
  }

  // Top-level header block: field sizes and count.
  std::uint64_t fieldBytes = 0;
  std::uint32_t fields = 0;
  bool tooBig = false;
  forEachLine(bytes, [&](std::string_view line) {
    if (line.empty()) return false;
    if (startsWithWsp(line)) {
      fieldBytes += line.size() + 2;
    } else {
      fieldBytes = line.size() + 2;
      ++fields;
    }
    if (fieldBytes > limits.maxHeaderBytes) tooBig = true;
    return !tooBig && fields <= limits.maxHeaders;
  });
  if (tooBig)
    out.push_back({"limit.header_size",
                   "a header field is longer than " + std::to_string(limits.maxHeaderBytes) + " bytes", "",
                   true});
  if (fields > limits.maxHeaders)
    out.push_back({"limit.header_count",
                   "more than " + std::to_string(limits.maxHeaders) + " header fields", "", true});

  // Upper bound on parts: each part after the first starts at a delimiter
  // line "--boundary". Counting lines that start with "--" is cheap and
  // almost always far below the limit; only when it is not are the lines
  // matched against the declared boundaries. (Chains of message/rfc822 need
  // no delimiters; GMime stops them at 1024 levels and the tree builder at
  // max_depth.)
  std::uint64_t dashLines = 0;
  forEachLine(bytes, [&](std::string_view line) {
    dashLines += line.size() >= 2 && line[0] == '-' && line[1] == '-';
    return true;
  });
  std::uint64_t bound = 1 + dashLines;
  if (bound > limits.maxParts) {
    const std::vector<std::string> declared = collectBoundaries(bytes, limits);
    std::unordered_set<std::string_view> boundaries(declared.begin(), declared.end());
    std::unordered_set<std::size_t> lengths;
    for (const auto& b : declared) lengths.insert(b.size());
    bound = 1;
    forEachLine(bytes, [&](std::string_view line) {
      if (line.size() > 2 && line[0] == '-' && line[1] == '-') {
        // Parsers accept a delimiter followed by anything ("--b--", "--b  ",
        // "--b junk"), so match the boundary as a prefix.
        std::string_view rest = line.substr(2);
        for (std::size_t n : lengths) {
          if (n <= rest.size() && boundaries.count(rest.substr(0, n))) {
            ++bound;
            break;
          }
        }
      }
      return bound <= limits.maxParts;
    });
  }
  if (bound > limits.maxParts)
    out.push_back({"limit.parts",
                   "more than " + std::to_string(limits.maxParts) + " MIME parts (counted before parsing)", "",
                   true});
  return out;
}

std::vector<Header> splitTopHeaders(std::string_view bytes, const Limits& limits) {
  std::vector<Header> out;
  bool skipping = false;  // the current field is over the limit: leave it out
  forEachLine(bytes, [&](std::string_view line) {
    if (line.empty() || out.size() >= limits.maxHeaders) return false;
    // Fields over the size limit are left out whole (never truncated:
    // half an encoded word or address is worse than none).
    if (startsWithWsp(line)) {
      if (skipping || out.empty()) return true;
      if (out.back().rawValue.size() + line.size() + 2 > limits.maxHeaderBytes) {
        out.pop_back();
        skipping = true;
      } else {
        out.back().rawValue += "\r\n" + std::string(line);
      }
      return true;
    }
    auto colon = line.find(':');
    skipping = colon == std::string_view::npos || !validFieldName(line.substr(0, colon)) ||
               line.size() > limits.maxHeaderBytes;
    if (!skipping) out.push_back({std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
    return true;
  });
  return out;
}

}  // namespace mugai
