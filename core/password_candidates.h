// Passwords a sender wrote next to a protected archive (PPAP: "パスワード：
// abc123" in the same mail, or in a second one). We only look for them to
// open the archive and scan it; they are never logged or reported.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mugai {

/// Candidate passwords in UTF-8 `text`: the token after a password keyword
/// (パスワード, ﾊﾟｽﾜｰﾄﾞ, PW, password, pass, 暗証番号, 解凍キー ...) on the
/// same line after ':', '：', 'は' or a bracket, or alone on the next line.
/// Tokens are 4-64 printable ASCII characters; at most 20, first seen first.
std::vector<std::string> passwordCandidates(std::string_view text);

}  // namespace mugai
