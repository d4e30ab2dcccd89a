// See text_builder.h.
#include "sanitizers/html_to_text/text_builder.h"

#include "core/charset/charset.h"

#include <algorithm>
#include <cstdint>

namespace mugai::sanitizers::html_to_text {
namespace {

bool isAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

bool isWide(std::uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) || (cp >= 0x3041 && cp <= 0x33FF) ||
         (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
         (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
         (cp >= 0x20000 && cp <= 0x3FFFD);
}

}  // namespace

std::size_t displayWidth(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp;
    i += charset::nextCodePoint(s, i, cp);
    w += isWide(cp) ? 2 : 1;
  }
  return w;
}

// Pays the line breaks owed, then the prefixes of a fresh line. Empty
// lines get the prefixes without their trailing blanks ("> " -> ">").
void TextBuilder::startLineIfNeeded() {
  if (pendingBreaks_ > 0 && !out_.empty()) {
    for (int k = 0; k < pendingBreaks_; ++k) {
      // Empty lines carry the prefixes that stood when the break was asked
      // for: the blank line before a quote is not part of it.
      if (k > 0)
        for (std::size_t d = 0; d < std::min(breakDepth_, prefixes_.size()); ++d)
          out_ += prefixes_[d].substr(0, prefixes_[d].find_last_not_of(' ') + 1);
      out_ += '\n';
    }
    atLineStart_ = true;
  }
  pendingBreaks_ = 0;
  if (atLineStart_) {
    for (const auto& p : prefixes_) out_ += p;
    atLineStart_ = false;
    pendingSpace_ = false;  // no space at the start of a line
  }
}

void TextBuilder::text(std::string_view s, bool verbatim) {
  if (!verbatim) return textRuns(s);
  for (char c : s) {
    if (verbatim) {
      if (c == '\r') continue;
      if (c == '\n') {
        if (!out_.empty() || pendingBreaks_ > 0) ++pendingBreaks_;
        atLineStart_ = atLineStart_ || out_.empty();
        continue;
      }
      startLineIfNeeded();
      out_ += c;
      continue;
    }
    if (isAsciiSpace(c)) {
      pendingSpace_ = true;
      continue;
    }
    startLineIfNeeded();
    if (pendingSpace_) out_ += ' ';
    pendingSpace_ = false;
    out_ += c;
  }
}

void TextBuilder::textRuns(std::string_view s) {
  // Whole runs of non-blank bytes at once (the per-byte path above is for
  // <pre>). A no-break space (U+00A0, &nbsp;) is layout, not text: it
  // counts as a blank, and Shift_JIS / ISO-2022-JP could not hold it.
  auto blankAt = [&](std::size_t i) -> std::size_t {
    if (isAsciiSpace(s[i])) return 1;
    if (s[i] == '\xC2' && i + 1 < s.size() && s[i + 1] == '\xA0') return 2;
    return 0;
  };
  std::size_t i = 0;
  while (i < s.size()) {
    if (std::size_t n = blankAt(i)) {
      pendingSpace_ = true;
      i += n;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && !blankAt(j)) ++j;
    startLineIfNeeded();
    if (pendingSpace_) out_ += ' ';
    pendingSpace_ = false;
    out_.append(s, i, j - i);
    i = j;
  }
}

void TextBuilder::marker(std::string_view s) {
  startLineIfNeeded();
  if (pendingSpace_ && !s.empty() && s.front() != ' ') out_ += ' ';
  pendingSpace_ = false;
  out_ += s;
}

void TextBuilder::noteBreakDepth() {
  breakDepth_ = pendingBreaks_ == 0 ? prefixes_.size() : std::min(breakDepth_, prefixes_.size());
}

void TextBuilder::word(std::string_view s, bool spaceAfter) {
  bool freshLine = atLineStart_ || pendingBreaks_ > 0 || out_.empty();
  startLineIfNeeded();
  if (!freshLine && !out_.empty() && out_.back() != ' ') out_ += ' ';
  out_ += s;
  pendingSpace_ = spaceAfter;
}

void TextBuilder::lineBreak() {
  if (out_.empty()) return;
  noteBreakDepth();
  if (pendingBreaks_ < 2) ++pendingBreaks_;
  pendingSpace_ = false;
}

void TextBuilder::block(bool blank) {
  if (out_.empty()) return;
  int want = blank ? 2 : 1;
  noteBreakDepth();
  if (pendingBreaks_ < want) pendingBreaks_ = want;
  pendingSpace_ = false;
}

std::string TextBuilder::finish() const {
  // Lines keep their prefixes; a run of empty lines (or lines holding only
  // a quote prefix such as ">") collapses into one.
  std::string out;
  std::string blankLine;
  bool pendingBlank = false;
  std::size_t start = 0;
  while (start <= out_.size()) {
    std::size_t nl = out_.find('\n', start);
    std::string line = out_.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    if (line.find_first_not_of(" >") == std::string::npos) {
      if (!out.empty()) {
        pendingBlank = true;
        blankLine = line;
      }
    } else {
      if (!out.empty()) out += pendingBlank ? "\n" + blankLine + "\n" : "\n";
      out += line;
      pendingBlank = false;
    }
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out.empty() ? out : out + "\n";
}

}  // namespace mugai::sanitizers::html_to_text
