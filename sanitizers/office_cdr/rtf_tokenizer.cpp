// See rtf_tokenizer.h.
#include "sanitizers/office_cdr/rtf_tokenizer.h"

namespace mugai::sanitizers::office_cdr::rtf {
namespace {

bool isLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool nameIs(std::string_view name, std::string_view lowerKeyword) {
  return name.size() == lowerKeyword.size() && nameStarts(name, lowerKeyword);
}

bool nameStarts(std::string_view name, std::string_view lowerPrefix) {
  if (name.size() < lowerPrefix.size()) return false;
  for (std::size_t i = 0; i < lowerPrefix.size(); ++i)
    if (lower(name[i]) != lowerPrefix[i]) return false;
  return true;
}

Token Tokenizer::next() {
  Token t;
  t.begin = pos_;
  if (pos_ >= s_.size()) {
    t.type = TokenType::End;
    t.end = pos_;
    return t;
  }
  const char c = s_[pos_];
  if (c == '{' || c == '}') {
    t.type = c == '{' ? TokenType::GroupOpen : TokenType::GroupClose;
    t.end = ++pos_;
    return t;
  }
  if (c == '\\') {
    if (pos_ + 1 < s_.size() && isLetter(s_[pos_ + 1])) return controlWord(pos_);
    return controlSymbol(pos_);
  }
  // A text run: everything up to the next byte with a meaning.
  std::size_t i = pos_;
  while (i < s_.size() && s_[i] != '\\' && s_[i] != '{' && s_[i] != '}') ++i;
  t.type = TokenType::Text;
  t.end = pos_ = i;
  return t;
}

Token Tokenizer::controlWord(std::size_t begin) {
  Token t;
  t.type = TokenType::Word;
  t.begin = begin;
  std::size_t i = begin + 1;
  while (i < s_.size() && isLetter(s_[i])) ++i;  // any length: Word stops at 32, we read all (linear anyway)
  t.name = s_.substr(begin + 1, i - begin - 1);
  bool negative = false;
  if (i + 1 < s_.size() && s_[i] == '-' && isDigit(s_[i + 1])) {
    negative = true;
    ++i;
  }
  if (i < s_.size() && isDigit(s_[i])) {
    t.hasParam = true;
    std::int64_t v = 0;
    // Overlong digit strings are consumed whole and saturate: a reader
    // that wraps at 32 bits would see another number, so a \bin with
    // such a count is refused below (larger than any input we accept).
    for (; i < s_.size() && isDigit(s_[i]); ++i) v = v >= kParamCap ? kParamCap : v * 10 + (s_[i] - '0');
    t.param = negative ? -v : v;
  }
  if (i < s_.size() && s_[i] == ' ') ++i;  // the delimiter space belongs to the word
  t.end = pos_ = i;

  if (nameIs(t.name, "bin") && t.hasParam && t.param > 0) {
    if (t.name != "bin") {
      t.type = TokenType::Error;
      t.error = "\\bin written in another case (readers disagree on its length)";
      return t;
    }
    if (static_cast<std::uint64_t>(t.param) > s_.size() - i) {
      t.type = TokenType::Error;
      t.error = "\\bin data runs past the end of the document";
      return t;
    }
    t.type = TokenType::Bin;
    t.end = pos_ = i + static_cast<std::size_t>(t.param);
  }
  return t;
}

Token Tokenizer::controlSymbol(std::size_t begin) {
  Token t;
  t.type = TokenType::Symbol;
  t.begin = begin;
  if (begin + 1 >= s_.size()) {  // a lone backslash at the very end
    t.symbol = 0;
    t.end = pos_ = s_.size();
    return t;
  }
  t.symbol = s_[begin + 1];
  std::size_t i = begin + 2;
  if (t.symbol == '\'') {
    // \'hh: two hex digits. A bad digit is not consumed, so "\'{" still
    // opens a group for us as it does for Word.
    const int hi = i < s_.size() ? hexValue(s_[i]) : -1;
    if (hi >= 0) {
      ++i;
      const int lo = i < s_.size() ? hexValue(s_[i]) : -1;
      if (lo >= 0) {
        ++i;
        t.byte = static_cast<unsigned char>(hi * 16 + lo);
        t.hexValid = true;
      }
    }
  }
  t.end = pos_ = i;
  return t;
}

}  // namespace mugai::sanitizers::office_cdr::rtf
