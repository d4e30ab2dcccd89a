// Owning wrappers for C library handles, each declared once (STYLE: RAII).
// Every handle gets a unique_ptr with the library's own release function.
#pragma once

#include <magic.h>
#include <unistd.h>

#include <memory>
#include <utility>

namespace mugai {

struct MagicCloser {
  void operator()(magic_set* m) const { magic_close(m); }
};
/// libmagic cookie. Never share one across threads (measured crash).
using MagicPtr = std::unique_ptr<magic_set, MagicCloser>;

/// A file descriptor closed on destruction; move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

}  // namespace mugai
