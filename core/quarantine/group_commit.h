// Group commit for QuarantineStore::put(), shared by the backends: rows
// put() by several threads at once go into one transaction (one flush of
// the database's log), and each caller returns once its own row is
// committed, or throws with its own error. The first waiting thread leads
// the next commit with every row queued meanwhile; if that transaction
// fails, each row is committed alone, so one bad row fails only itself.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/quarantine/quarantine_store.h"

namespace mugai::quarantine {

class GroupCommit {
 public:
  struct Row {
    const Item* item;
    std::string_view object;  ///< what the backend writes with the row (PostgreSQL: the gzip original), or ""
  };
  /// Commits `rows` in one transaction and returns their ids in order
  /// (an item's own id, or the id of the same work stored earlier under
  /// its id or origin). Throws on failure: rolled back, or committed but
  /// unconfirmed (a lost connection); the rows are then committed one by
  /// one, which the backends make idempotent (QuarantineStore::put()).
  using Commit = std::function<std::vector<std::string>(const std::vector<const Row*>& rows)>;

  /// Queues `row`, waits until a commit has taken it; returns its id or
  /// throws StoreError with its own error.
  std::string submit(const Row& row, const Commit& commit) {
    Pending mine{&row, {}, {}, false};
    std::unique_lock wait(mutex_);
    pending_.push_back(&mine);
    while (!mine.done) {
      if (committing_) {
        committed_.wait(wait);  // a commit is under way: ours goes in the next one
        continue;
      }
      committing_ = true;
      std::vector<Pending*> batch;
      batch.swap(pending_);
      wait.unlock();
      run(batch, commit);
      wait.lock();
      for (Pending* p : batch) p->done = true;  // under mutex_: the waiters read it (and id, error) there
      committing_ = false;
      committed_.notify_all();
    }
    if (!mine.error.empty()) throw StoreError(mine.error);
    return mine.id;
  }

 private:
  struct Pending {
    const Row* row;
    std::string id;
    std::string error;
    bool done;
  };

  static void run(const std::vector<Pending*>& batch, const Commit& commit) {
    auto attempt = [&](const std::vector<Pending*>& some) {
      std::vector<const Row*> rows;
      for (const Pending* p : some) rows.push_back(p->row);
      const std::vector<std::string> ids = commit(rows);
      for (std::size_t i = 0; i < some.size(); ++i) some[i]->id = ids.at(i);
    };
    try {
      attempt(batch);
    } catch (const std::exception& e) {
      if (batch.size() == 1) {
        batch[0]->error = e.what();
        return;
      }
      for (Pending* p : batch) {
        try {
          attempt({p});
        } catch (const std::exception& one) {
          p->error = one.what();
        }
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable committed_;
  std::vector<Pending*> pending_;
  bool committing_ = false;
};

}  // namespace mugai::quarantine
