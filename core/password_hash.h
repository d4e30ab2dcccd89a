// Passwords of the quarantine console's accounts (`mugai web user`):
// Argon2id (libargon2, the reference implementation) with OWASP's
// parameters (m = 19 MiB, t = 2, p = 1), a 16-byte random salt, stored in
// the PHC string format ($argon2id$v=19$m=19456,t=2,p=1$salt$hash), which
// any Argon2 library can verify.
#pragma once

#include <string>
#include <string_view>

namespace mugai {

/// The PHC string of `password`. Throws std::runtime_error when hashing fails.
std::string hashPassword(std::string_view password);
/// Whether `password` matches `encoded` (constant time in the password).
bool verifyPassword(const std::string& encoded, std::string_view password);
/// "" when `password` may be used for `user`, else why not (JA/EN).
std::string passwordProblem(std::string_view password, std::string_view user);

}  // namespace mugai
