// See message_body.h.
#include "daemon/message_body.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mugai::daemon {

bool MemoryBudget::take(std::uint64_t n) {
  std::uint64_t used = used_.load(std::memory_order_relaxed);
  do {
    if (used + n > limit_) return false;
  } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
  return true;
}

MessageBody::MessageBody(MemoryBudget* budget, std::uint64_t memoryCap, std::string spillDir, std::uint64_t minFreeBytes)
    : budget_(budget), memoryCap_(memoryCap), spillDir_(std::move(spillDir)), minFreeBytes_(minFreeBytes) {}

MessageBody::MessageBody(std::string bytes) : memory_(std::move(bytes)), size_(memory_.size()) {}

MessageBody::~MessageBody() { release(); }

MessageBody::MessageBody(MessageBody&& o) noexcept
    : budget_(o.budget_),
      memoryCap_(o.memoryCap_),
      spillDir_(std::move(o.spillDir_)),
      minFreeBytes_(o.minFreeBytes_),
      checkedAt_(o.checkedAt_),
      memory_(std::move(o.memory_)),
      charged_(std::exchange(o.charged_, 0)),
      file_(std::move(o.file_)),
      size_(std::exchange(o.size_, 0)),
      failed_(o.failed_) {}

MessageBody& MessageBody::operator=(MessageBody&& o) noexcept {
  if (this != &o) {
    release();
    budget_ = o.budget_;
    memoryCap_ = o.memoryCap_;
    spillDir_ = std::move(o.spillDir_);
    minFreeBytes_ = o.minFreeBytes_;
    checkedAt_ = o.checkedAt_;
    memory_ = std::move(o.memory_);
    charged_ = std::exchange(o.charged_, 0);
    file_ = std::move(o.file_);
    size_ = std::exchange(o.size_, 0);
    failed_ = o.failed_;
  }
  return *this;
}

void MessageBody::release() {
  if (budget_ && charged_) budget_->give(charged_);
  charged_ = 0;
  std::string().swap(memory_);
  file_.reset();
}

void MessageBody::clear() {
  release();
  size_ = 0;
}

namespace {

bool writeAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

bool MessageBody::diskHasRoom() const {
  if (minFreeBytes_ == 0) return true;
  struct statvfs v {};
  if (::statvfs(spillDir_.c_str(), &v) != 0) return false;
  return static_cast<std::uint64_t>(v.f_bavail) * v.f_frsize >= minFreeBytes_;
}

// Moves what is in memory to an unnamed file and gives the memory back.
bool MessageBody::spill() {
  if (!diskHasRoom()) return false;
  checkedAt_ = size_;
  UniqueFd fd(::open(spillDir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!fd) {
    // No O_TMPFILE on this file system: a named file, unlinked at once.
    std::string tmpl = spillDir_ + "/body-XXXXXX";
    fd.reset(::mkostemp(tmpl.data(), O_CLOEXEC));
    if (fd) ::unlink(tmpl.c_str());
  }
  if (!fd || !writeAll(fd.get(), memory_)) return false;
  file_ = std::move(fd);
  if (budget_ && charged_) budget_->give(charged_);
  charged_ = 0;
  std::string().swap(memory_);
  return true;
}

bool MessageBody::append(std::string_view bytes) {
  if (failed_) return false;
  if (!file_) {
    const bool fits = memory_.size() + bytes.size() <= memoryCap_;
    if (fits && (!budget_ || budget_->take(bytes.size()))) {
      charged_ += budget_ ? bytes.size() : 0;
      memory_.append(bytes);
      size_ += bytes.size();
      return true;
    }
    if (spillDir_.empty()) {  // nowhere to spill: memory it is
      memory_.append(bytes);
      size_ += bytes.size();
      return true;
    }
    if (!spill()) {
      failed_ = true;
      release();
      return false;
    }
  }
  if (size_ - checkedAt_ >= (4u << 20)) {
    checkedAt_ = size_;
    if (!diskHasRoom()) {
      failed_ = true;
      release();
      return false;
    }
  }
  if (!writeAll(file_.get(), bytes)) {
    failed_ = true;
    release();
    return false;
  }
  size_ += bytes.size();
  return true;
}

std::string MessageBody::readAll() const {
  if (!file_) return memory_;
  std::string out(size_, '\0');
  for (std::uint64_t done = 0; done < size_;) {
    ssize_t n = ::pread(file_.get(), out.data() + done, size_ - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("cannot read the message back from the spool: ") + std::strerror(errno));
    done += static_cast<std::uint64_t>(n);
  }
  return out;
}

}  // namespace mugai::daemon
