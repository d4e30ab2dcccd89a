// mugaid's spool: a message is on disk, whole, before the client hears 250.
//
//   SPOOL/*/ID.tmp-*    being written, beside its target (a crash leaves it;
//                       recover() deletes it, it was never acknowledged)
//   SPOOL/incoming/ID   received and acknowledged, not yet sanitized
//   SPOOL/outgoing/ID   sanitized, waiting for delivery
//   SPOOL/state/ID      delivery attempts of an outgoing message
//
// Each file is one envelope line (JSON) followed by the message bytes.
// Writes are temp file, fsync, rename, directory fsync (Postfix
// mail_queue.c); writers that rename into the same directory at the same
// time share one directory fsync (group commit), none returns before one
// that started after its rename has finished. A message moves forward only after its next form is
// durable, so a kill -9 at any point leaves it in exactly one stage or,
// between a durable next form and the removal of the old one, in two;
// recover() keeps the later. IDs are 32 lower-case hex digits, checked
// before they become paths. Errors: QueueError (the caller answers 451/452).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/durable_file.h"
#include "daemon/message_body.h"
#include "daemon/smtp_session.h"

namespace mugai::daemon {

class QueueError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Stage { Incoming, Outgoing };

struct QueuedMessage {
  std::string id;
  Envelope envelope;
  std::string data;
  std::int64_t receivedAt = 0;  ///< seconds since the epoch
};

struct DeliveryState {
  int attempts = 0;
  std::int64_t nextAttempt = 0;  ///< seconds since the epoch
  std::string lastError;
  std::vector<std::string> delivered;  ///< recipients already done (never sent twice)
};

class Queue {
 public:
  /// Opens (creating) the spool at `dir`. Throws QueueError.
  explicit Queue(std::string dir);

  /// Writes a received message durably into incoming/; returns its id
  /// (envelope.id when it is a valid fresh id, else a new one).
  std::string receive(const Envelope& envelope, std::string_view data);
  /// The same for a body that may have gone to disk while it arrived.
  std::string receive(const Envelope& envelope, const MessageBody& body);
  /// Writes a message straight into outgoing/ (a DSN of our own, or a
  /// message sanitized before-queue); returns its id (`id`, or a new one).
  std::string submitOutgoing(const Envelope& envelope, std::string_view data, std::string id = {});
  /// Writes the sanitized form (`sanitized.data`, same id and receive time)
  /// into outgoing/, then drops the incoming one.
  void promote(const QueuedMessage& sanitized);
  /// Drops a message from a stage (delivered, bounced, or rejected). Not
  /// fsync'ed: a kill -9 cannot bring the file back (the unlink is in the
  /// kernel), and after a power failure a message delivered in the last
  /// seconds may come back and be delivered again: duplicated, never lost.
  void remove(const std::string& id, Stage stage);

  QueuedMessage load(const std::string& id, Stage stage) const;
  std::vector<std::string> list(Stage stage) const;

  DeliveryState state(const std::string& id) const;
  void saveState(const std::string& id, const DeliveryState& s);

  /// After a restart: deletes unacknowledged temp files and incoming copies
  /// of messages already sanitized. Returns how many temp files went.
  std::size_t recover();

  const std::string& dir() const { return dir_; }

 private:
  std::string path(Stage stage, const std::string& id) const;
  /// `createNew`: the id is fresh (receive, submitOutgoing): written unnamed and linked.
  void writeDurably(const std::string& finalPath, std::string_view bytes, DirectorySync& dir, bool createNew = false);

  std::string dir_;
  // Group commit: concurrent writers into one directory share its fsync.
  DirectorySync incomingSync_, outgoingSync_, stateSync_;
};

/// True for a well-formed queue id.
bool validQueueId(std::string_view id);

}  // namespace mugai::daemon
