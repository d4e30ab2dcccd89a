// TextBuilder: accumulates readable plain text from a walk over HTML —
// whitespace collapsing, paragraph and line breaks, line prefixes for
// quotes and lists, and <pre> spans kept verbatim. Knows nothing of HTML.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mugai::sanitizers::html_to_text {

class TextBuilder {
 public:
  /// Text from an HTML text node; whitespace runs become one space unless
  /// `verbatim` (inside <pre>).
  void text(std::string_view utf8, bool verbatim);
  /// Ends the current line (<br>, </li>).
  void lineBreak();
  /// Ensures the next text starts a new line; `blank` also leaves an empty
  /// line before it (paragraphs, headings, tables).
  void block(bool blank);
  /// Prefix for every following line ("> " for quotes, "  " for list
  /// nesting) until popPrefix().
  void pushPrefix(std::string prefix) { prefixes_.push_back(std::move(prefix)); }
  void popPrefix() {
    if (!prefixes_.empty()) prefixes_.pop_back();
  }
  /// Raw text written as is at the current position (bullets, markers).
  void marker(std::string_view s);
  /// A token set apart by a space from the text before it ("[1]",
  /// "[画像]"), never at the start of a line; `spaceAfter` also from the
  /// text after it (images; not link numbers, which punctuation follows).
  void word(std::string_view s, bool spaceAfter);

  /// The text so far with trailing blanks trimmed per line, at most one
  /// empty line in a row, and no leading or trailing empty lines.
  std::string finish() const;
  bool empty() const { return out_.empty(); }

 private:
  void startLineIfNeeded();
  void textRuns(std::string_view s);
  void noteBreakDepth();

  std::string out_;
  std::vector<std::string> prefixes_;
  int pendingBreaks_ = 0;  // newlines owed before the next text (0, 1 or 2)
  std::size_t breakDepth_ = 0;  // prefixes in force when the owed breaks were asked for
  bool atLineStart_ = true;
  bool pendingSpace_ = false;
};

/// Columns a string takes in a terminal or a fixed-width mail font: East
/// Asian wide and full-width characters count 2.
std::size_t displayWidth(std::string_view utf8);

}  // namespace mugai::sanitizers::html_to_text
