// Handing a quarantined original back out, shared by `mugai quarantine`
// and the console (mugai-web), so that both release the same way:
//
//  - resanitize(): the original goes through the release policy ([release])
//    again in a confined job worker; only what that policy keeps leaves.
//    A raw release (the untouched original) is the caller's explicit choice.
//  - releaseByMail(): the envelope is never taken from header text (a From
//    field can hold a whole SMTP dialogue in an encoded word): recipients
//    are the ones given, else those mugaid recorded at receipt; the sender
//    is [quarantine] release_from, else the recorded one, else <>. Every
//    address is checked (RFC 5321, no control bytes) before a connection
//    is made.
//  - one release of an item at a time (QuarantineStore::claimRelease), on
//    every node sharing the store: a second one started meanwhile is
//    refused, so the item goes out once.
//  - recordAudit(): every action is written to the store's audit log, and
//    to syslog (authpriv), "started" before anything leaves and again with
//    how it ended; an action whose entry cannot be written does not happen.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"
#include "core/job/pool.h"
#include "core/quarantine/quarantine_store.h"

namespace mugai::quarantine {

/// Who acts, for the audit log.
struct Actor {
  std::string who;     ///< "alice (uid 1000)" for the CLI; the account name for the console
  std::string role;    ///< "cli", "admin", "auditor"
  std::string client;  ///< "local", "ssh:ADDR", "web:ADDR"
};

/// Appends to the audit log and to syslog. Throws StoreError when the log
/// cannot be written (the caller must then not act).
void recordAudit(QuarantineStore& store, const Actor& actor, const std::string& itemId, const std::string& action,
                 const std::string& target, const std::string& result);

/// What the release policy keeps of `original`, run in a worker of `pool`
/// (started for `config`). Returns "" and sets `why` (English) when the
/// policy still removes the whole item. Throws job::WorkerFailed.
std::string resanitize(job::Pool& pool, const Item& item, const std::string& original, std::string& why);

struct MailRelease {
  bool raw = false;                ///< the untouched original, not resanitized
  std::vector<std::string> to;     ///< recipients; empty = the envelope recorded at receipt
  std::string reason;              ///< why (the console asks for one for a raw release); in the audit entry
};

struct ReleaseOutcome {
  enum class Status {
    Released,   ///< the relay accepted it (`detail` says whether for every recipient)
    Removed,    ///< the release policy still removes it: nothing left
    Refused,    ///< no recipient on record, or an invalid address: nothing left
    Failed,     ///< a worker failed, or the relay did not take it: nothing was delivered
  };
  Status status = Status::Failed;
  std::string detail;  ///< English, for the user and the log
  std::string workerCode;  ///< Failed in the worker: job::WorkerFailed::code(), else ""
  std::string target;  ///< "a@x,b@y via HOST:PORT"
  bool partial = false;  ///< accepted for some recipients only
};

/// Releases mail item `item` to the relay in [quarantine] release_relay,
/// with audit entries as described above. `pool` may be null for a raw
/// release. Throws StoreError when the audit log cannot be written.
ReleaseOutcome releaseByMail(const Config& config, QuarantineStore& store, job::Pool* pool, const Item& item,
                             const MailRelease& request, const Actor& actor);

}  // namespace mugai::quarantine
