// A message's bytes while they arrive over SMTP, and until the spool has
// them: in memory while the message is small and the daemon-wide memory
// budget allows, else in an unnamed file in the spool's tmp/ (O_TMPFILE:
// a crash leaves nothing behind; it was never acknowledged).
//
// Why: each connection may send max_message_bytes, and a thousand clients
// streaming at once must not hold a thousand messages in memory. A
// session holds at most `memoryCap` bytes of its message in memory, and
// all sessions together at most the budget; past either, the bytes go to
// disk as they arrive (Postfix's smtpd writes every message to a queue
// file as it arrives, for the same reason).
//
// Errors: append() returns false when the spill file cannot be written
// (disk full, or the spool's free space below its floor): the session then
// answers 452 and holds nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/c_handles.h"

namespace mugai::daemon {

/// Bytes of message data held in memory by all sessions together.
class MemoryBudget {
 public:
  explicit MemoryBudget(std::uint64_t limit) : limit_(limit) {}
  /// Takes `n` bytes of the budget; false (nothing taken) when they do not fit.
  [[nodiscard]] bool take(std::uint64_t n);
  void give(std::uint64_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }
  std::uint64_t used() const { return used_.load(std::memory_order_relaxed); }
  std::uint64_t limit() const { return limit_; }

 private:
  const std::uint64_t limit_;
  std::atomic<std::uint64_t> used_{0};
};

class MessageBody {
 public:
  /// A body without a budget or spill directory: everything in memory (tests).
  MessageBody() = default;
  /// `budget` may be null (no global cap); `spillDir` "" = never spill.
  /// A spill also fails (452 for the client) while the spool's file system
  /// has less than `minFreeBytes` free (checked at the spill and every
  /// 4 MiB after), so that spilled bodies cannot fill the disk the
  /// accepted mail needs (as Postfix's queue_minfree).
  MessageBody(MemoryBudget* budget, std::uint64_t memoryCap, std::string spillDir, std::uint64_t minFreeBytes = 0);
  explicit MessageBody(std::string bytes);  ///< in memory, outside any budget
  ~MessageBody();
  MessageBody(MessageBody&& other) noexcept;
  MessageBody& operator=(MessageBody&& other) noexcept;
  MessageBody(const MessageBody&) = delete;
  MessageBody& operator=(const MessageBody&) = delete;

  /// Appends; false when the spill file cannot be written (the body is then empty and stays so).
  [[nodiscard]] bool append(std::string_view bytes);
  std::uint64_t size() const { return size_; }
  bool failed() const { return failed_; }
  /// True while the bytes are in memory (then memory() has them all).
  bool inMemory() const { return !file_; }
  const std::string& memory() const { return memory_; }
  /// The spill file (read it from offset 0, size() bytes); -1 when in memory.
  int fd() const { return file_ ? file_.get() : -1; }
  /// Every byte, read back from the spill file if need be. Throws std::runtime_error on a read error.
  std::string readAll() const;
  /// Drops the bytes (and the budget they held).
  void clear();

 private:
  bool spill();
  bool diskHasRoom() const;
  void release();

  MemoryBudget* budget_ = nullptr;
  std::uint64_t memoryCap_ = ~0ull;
  std::string spillDir_;
  std::uint64_t minFreeBytes_ = 0;
  std::uint64_t checkedAt_ = 0;  // size_ when the free space was last checked
  std::string memory_;
  std::uint64_t charged_ = 0;  // bytes of the budget this body holds
  UniqueFd file_;
  std::uint64_t size_ = 0;
  bool failed_ = false;
};

}  // namespace mugai::daemon
