// RTF tokens, read one at a time from hostile bytes: group braces, control
// words (letters of any case and length, an optional signed parameter of
// any number of digits, the one-space delimiter), control symbols (\' with
// its two hex digits, \*, \\, \{ ...), runs of text, and \binN raw data.
//
// Trust: none. Every token is a span [begin, end) of the input, so a
// caller can copy the original bytes instead of re-serialising; the
// tokenizer never allocates and never reads past the input. Each call
// consumes at least one byte (or ends), so a whole pass is linear in the
// input size.
// Fails: a \bin whose data would run past the end (a declared 1 GB, or a
// parameter overlong enough to wrap a 32-bit reader) and a \bin written in
// another case than Word's (Word skips only "\bin" case-sensitively, other
// readers ignore the case: both readings cannot be true) give an Error
// token; the caller refuses the document.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mugai::sanitizers::office_cdr::rtf {

enum class TokenType {
  GroupOpen,   ///< '{'
  GroupClose,  ///< '}'
  Word,        ///< \name[-]digits[ ]: `name`, `hasParam`, `param`
  Symbol,      ///< \ and one non-letter: `symbol` (for \'hh: `symbol` = '\'' and `byte` = the value)
  Text,        ///< a run of bytes that are none of \ { } (CR and LF included: callers skip them)
  Bin,         ///< \binN and its N raw bytes (`param` = N)
  Error,       ///< see the file header: `error` says which
  End,         ///< no more input
};

struct Token {
  TokenType type = TokenType::End;
  std::size_t begin = 0;  ///< offset of the first byte
  std::size_t end = 0;    ///< one past the last byte (the delimiter space and \bin data included)
  std::string_view name;  ///< Word: the letters, as written
  bool hasParam = false;
  std::int64_t param = 0;     ///< saturated at kParamCap (never overflows)
  char symbol = 0;
  unsigned char byte = 0;     ///< Symbol \'hh: the decoded byte; hexValid says whether both digits were hex
  bool hexValid = false;
  const char* error = nullptr;  ///< Error: English reason
};

/// Parameters saturate here: above any input we accept, below any overflow.
inline constexpr std::int64_t kParamCap = std::int64_t{1} << 40;

/// Case-insensitive comparison of a control word's name with a lower-case keyword.
bool nameIs(std::string_view name, std::string_view lowerKeyword);
/// Case-insensitive "starts with" for a lower-case prefix.
bool nameStarts(std::string_view name, std::string_view lowerPrefix);

class Tokenizer {
 public:
  /// `bytes` must outlive the tokenizer and every token's `name`.
  explicit Tokenizer(std::string_view bytes) : s_(bytes) {}
  /// The next token; End at the end of input, and from then on.
  Token next();
  std::size_t offset() const { return pos_; }

 private:
  Token controlWord(std::size_t begin);
  Token controlSymbol(std::size_t begin);
  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace mugai::sanitizers::office_cdr::rtf
