// Limits: the budget every input is parsed and walked under. A breached
// limit is a finding and a fail-closed verdict, never an exception.
// Defaults are documented in README.md ("Config reference") and chosen for
// municipal mail: generous for real mail, far below what hurts the host.
#pragma once

#include <chrono>
#include <cstdint>

namespace mugai {

struct Limits {
  /// Whole message, before anything is parsed (Postfix message_size_limit
  /// is 10 MB by default; municipalities commonly allow 20-50 MB).
  std::uint64_t maxMessageBytes = 50ull << 20;
  /// One header field including its folded continuation lines
  /// (same value as Postfix header_size_limit).
  std::uint64_t maxHeaderBytes = 102400;
  /// Header fields in one header block (message or part).
  std::uint32_t maxHeaders = 1000;
  /// MIME nesting depth: multiparts and message/rfc822 inside each other.
  std::uint32_t maxDepth = 32;
  /// Parts (leaves, multiparts and embedded messages) in one message.
  std::uint32_t maxParts = 5000;
  /// Sum of decoded part bodies (base64, quoted-printable, uuencode).
  std::uint64_t maxDecodedBytes = 256ull << 20;
  /// Wall time for parse + sanitize + rebuild of one message.
  std::chrono::milliseconds maxTime{60'000};
};

}  // namespace mugai
