// Exit codes of `mugai`, documented in README.md ("Exit codes").
#pragma once

namespace mugai::cli {

enum ExitCode : int {
  kUnchanged = 0,   ///< every input passed unchanged
  kChanged = 1,     ///< something was converted or removed
  kRejected = 2,    ///< a message was rejected as a whole
  kUsage = 3,       ///< bad command line or bad config
  kInputError = 4,  ///< an input could not be read
  kOutputError = 5, ///< an output or report could not be written
  kInternal = 6,    ///< unexpected internal error
};

}  // namespace mugai::cli
