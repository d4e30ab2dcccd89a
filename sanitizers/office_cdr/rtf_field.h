// The name of an RTF field (the first word of its {\*\fldinst ...}) and
// whether that field is active: DDE / DDEAUTO run programs; INCLUDETEXT,
// INCLUDEPICTURE, IMPORT, LINK, DATABASE fetch content from elsewhere;
// HYPERLINK follows the `hyperlinks` policy.
//
// Trust: the letters come from hostile text. The name is read the way
// Word reads it (leading spaces, backslashes and quotes skipped, letters
// up to the first other character), and judged by substring, not by
// equality, so junk glued before the name ("X" + "DDEAUTO", from text a
// reader does not count) still gives it away. A name longer than the
// buffer is judged active: no real field name is that long.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mugai::sanitizers::office_cdr::rtf {

/// Collects the first word of one reading of a field instruction.
class FieldName {
 public:
  /// Next text byte of the instruction (in document order).
  void feed(unsigned char c);
  /// True once a character other than the skipped leading ones was read.
  bool started() const { return started_; }
  bool overflow() const { return overflow_; }
  /// A "\l" switch followed the name (HYPERLINK \l "bookmark": a jump
  /// inside the document).
  bool localSwitch() const { return localSwitch_; }
  /// The name in upper case (may be empty: "= 1+1").
  std::string_view name() const { return {buf_.data(), len_}; }

 private:
  std::array<char, 64> buf_{};
  std::uint8_t len_ = 0;
  bool started_ = false;
  bool done_ = false;
  bool overflow_ = false;
  bool localSwitch_ = false;
  unsigned char prev_ = 0;
};

/// Ordered by weight: a reading of a heavier kind wins.
enum class FieldKind { Harmless, Hyperlink, Fetch, Dde };

struct FieldVerdict {
  FieldKind kind = FieldKind::Harmless;
  std::string name;  ///< the name that made it active, for the notice
};

/// Judges `count` readings of one instruction; the most dangerous wins.
/// `computedName`: a nested field stands where the name should be.
/// `linksActive`: HYPERLINK fields go (hyperlinks = "remove" / "defang"),
/// else they are harmless.
FieldVerdict judgeField(const FieldName* names, std::size_t count, bool computedName, bool linksActive = false);

}  // namespace mugai::sanitizers::office_cdr::rtf
