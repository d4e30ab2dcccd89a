// See quarantine_migrate.h.
//
// What moves: every item with its original (kept under its id and time;
// an item already in the destination is checked, not copied again, so an
// interrupted run can be run again), the console's accounts (those not
// there yet), pending release requests (decided ones are in the audit
// log), and the audit log's entries the destination lacks (never doubled). The source
// is only read. The destination's audit log gets a "migrate" entry.
#include "cli/quarantine_migrate.h"

#include <iostream>
#include <limits>
#include <map>

#include <CLI/CLI.hpp>

#include "cli/common.h"
#include "cli/exit_codes.h"
#include "core/config.h"
#include "core/quarantine/pg_store.h"
#include "core/quarantine/release.h"

namespace mugai::cli {
namespace {

using quarantine::Item;
using quarantine::ListFilter;
using quarantine::QuarantineStore;

std::unique_ptr<QuarantineStore> openNamed(const std::string& spec, const char* option) {
  const std::optional<QuarantineConfig> c = quarantine::storeFromSpec(spec);
  if (!c) throw CLI::ValidationError(option, "\"" + spec + "\" is not sqlite:DIR or postgresql:DSN");
  if (std::string problem = c->backend == "postgresql" ? quarantine::dsnProblem(c->dsn) : ""; !problem.empty())
    throw CLI::ValidationError(option, problem + " (a password belongs in ~/.pgpass, a passfile or pg_service.conf, "
                                                 "never on the command line)");
  return quarantine::openStore(*c);
}

// Every item of `store`, newest first, a page at a time (a second's items
// are never split between pages, so none is skipped or seen twice).
template <class Each>
void eachItem(QuarantineStore& store, Each&& each) {
  constexpr int kPage = 1000;
  std::optional<std::int64_t> before;
  for (;;) {
    ListFilter f;
    f.before = before;
    f.limit = kPage;
    std::vector<Item> page = store.list(f);
    if (page.empty()) return;
    const bool full = page.size() == static_cast<std::size_t>(kPage);
    const std::int64_t last = page.back().time;
    if (full) {
      std::erase_if(page, [&](const Item& it) { return it.time == last; });
      ListFilter second;
      second.since = last;
      second.before = last + 1;
      second.limit = std::numeric_limits<int>::max();
      for (Item& it : store.list(second)) page.push_back(std::move(it));
    }
    for (const Item& it : page) each(it);
    if (!full) return;
    before = last;
  }
}

}  // namespace

int runMigrate(const MigrateOptions& o) {
  auto from = openNamed(o.from, "--from");
  auto to = openNamed(o.to, "--to");
  if (!to->migration().empty()) std::cerr << "mugai: " << to->migration() << "\n";
  std::cerr << "migrating " << from->location() << " -> " << to->location() << " (移行中)\n";
  const quarantine::Actor actor{currentUser(), "cli", auditClient()};
  quarantine::recordAudit(*to, actor, "", "migrate", from->location(), "started");

  std::size_t copied = 0, present = 0, failed = 0;
  eachItem(*from, [&](const Item& it) {
    try {
      if (auto there = to->get(it.id)) {
        if (there->sha256 != it.sha256) throw quarantine::StoreError("a different item has the same id in the destination");
        to->readOriginal(*there);  // checks its SHA-256
        ++present;
        return;
      }
      const std::string original = from->readOriginal(it);  // checked against the source's SHA-256
      to->put(it, original);
      auto stored = to->get(it.id);
      if (!stored || stored->sha256 != it.sha256 || to->readOriginal(*stored) != original)
        throw quarantine::StoreError("the destination does not give back the same original");
      if (++copied % 1000 == 0) std::cerr << "  " << copied << " items copied\n";
    } catch (const quarantine::StoreError& e) {
      ++failed;
      std::cerr << "mugai: item " << it.id << " not migrated: " << e.what() << "\n";
    }
  });

  std::size_t users = 0;
  for (const auto& u : from->users())
    if (!to->user(u.name)) {
      to->addUser(u);
      ++users;
    }
  std::size_t requests = 0;
  for (const auto& r : from->requests("pending", "", std::numeric_limits<int>::max())) requests += to->addRequest(r) > 0;

  // The audit log: each source entry the destination lacks (an entry and
  // its copy agree on every field but the seq), so a run that was
  // interrupted, or a second node's store joining the same database,
  // copies each entry once.
  quarantine::AuditFilter all;
  all.limit = std::numeric_limits<int>::max();
  auto key = [](const quarantine::AuditEntry& e) {
    return std::to_string(e.time) + '\0' + e.who + '\0' + e.role + '\0' + e.action + '\0' + e.itemId + '\0' + e.client +
           '\0' + e.target + '\0' + e.result;
  };
  std::map<std::string, int> there;
  for (const auto& e : to->auditLog(all)) ++there[key(e)];
  std::size_t entries = 0;
  auto log = from->auditLog(all);
  for (auto e = log.rbegin(); e != log.rend(); ++e) {  // oldest first
    if (int& n = there[key(*e)]; n > 0) {
      --n;
      continue;
    }
    to->audit(*e);
    ++entries;
  }
  const std::string summary = std::to_string(copied) + " item(s) copied and verified, " + std::to_string(present) +
                              " already there, " + std::to_string(failed) + " failed; " + std::to_string(users) +
                              " account(s), " + std::to_string(requests) + " pending request(s), " +
                              std::to_string(entries) + " audit entries";
  quarantine::recordAudit(*to, actor, "", "migrate", from->location(), (failed ? "failed: " : "ok: ") + summary);
  std::cout << "migrated: " << summary << (failed ? " (移行できなかった項目があります)\n" : " (移行しました)\n");
  return failed ? kOutputError : kUnchanged;
}

}  // namespace mugai::cli
