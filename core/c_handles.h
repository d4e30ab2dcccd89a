// Owning wrappers for C library handles, each declared once (STYLE: RAII).
// Every handle gets a unique_ptr with the library's own release function.
#pragma once

#include <magic.h>

#include <memory>

namespace mugai {

struct MagicCloser {
  void operator()(magic_set* m) const { magic_close(m); }
};
/// libmagic cookie. Never share one across threads (measured crash).
using MagicPtr = std::unique_ptr<magic_set, MagicCloser>;

}  // namespace mugai
