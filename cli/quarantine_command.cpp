// `mugai quarantine ...`: list, show, export, release and purge the
// originals kept by `mugai mail`, `scan`, `watch` and mugaid.
//
// Release does not reopen the hole: by default a released original goes
// through the pipeline again under the release policy ([release]), and
// only what that policy keeps is delivered. `--raw` hands out the
// untouched original only when asked for by name, and is written loudly
// to the audit trail (the store's audit log, syslog and stderr).
// Every export and release is recorded with who, when, where and result.
#include "cli/quarantine_command.h"

#include <iostream>

#include "cli/common.h"
#include "cli/exit_codes.h"
#include "cli/progress.h"
#include "cli/quarantine_migrate.h"
#include "core/csv.h"
#include "core/display_text.h"
#include "core/log_escape.h"
#include "core/smtp_address.h"
#include "core/quarantine/release.h"
#include "cli/time_text.h"
#include "core/clock.h"
#include "core/job/pool.h"
#include "core/report.h"

namespace mugai::cli {
namespace {

struct QuarantineOptions {
  CommonOptions common;
  // list
  std::string since, before, sender, reason, source;
  int limit = 100;
  bool json = false;
  // show / export / release
  std::string id;
  std::string output;
  std::vector<std::string> to;
  bool raw = false;
  std::string why;  // release --reason
  // purge
  std::string olderThan;
  // audit
  bool csv = false;
};


// A sender's text in one column of the list: masked (no control, line
// separator, bidi or invisible character reaches the terminal) and cut at
// `max` bytes on a whole code point.
std::string oneLine(const std::string& text, std::size_t max) {
  std::string s = maskedText(text);
  if (s.size() > max) {
    s.resize(max);
    while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();  // whole code points
    if (!s.empty()) s.pop_back();
    s += "…";
  }
  return s;
}

nlohmann::json itemJson(const quarantine::Item& it) {
  return {{"id", it.id},           {"time", formatTime(it.time)}, {"source", it.source},
          {"sender", it.sender},   {"recipients", it.recipients}, {"subject", it.subject},
          {"filename", it.filename}, {"sha256", it.sha256},       {"size", it.size},
          {"verdict", it.verdict}, {"reasons", it.reasons},
          {"envelope", it.envelope ? nlohmann::json{{"from", it.envelope->from}, {"to", it.envelope->to}} : nlohmann::json()}};
}

int runList(const QuarantineOptions& o) {
  Config config = loadConfig(o.common);
  auto owned = requireStore(config);
  quarantine::QuarantineStore& store = *owned;
  quarantine::ListFilter f;
  std::int64_t now = epochSeconds();
  auto when = [&](const std::string& text, const char* flag) {
    auto t = parseTimePoint(text, now);
    if (!t) throw CLI::ValidationError(flag, "\"" + text + "\" is not a date (2026-11-01, 2026-11-01T09:30) or an age (7d, 12h)");
    return *t;
  };
  if (!o.since.empty()) f.since = when(o.since, "--since");
  if (!o.before.empty()) f.before = when(o.before, "--before");
  f.sender = o.sender;
  f.reason = o.reason;
  f.source = o.source;
  f.limit = o.limit;
  auto items = store.list(f);
  if (o.json) {
    for (const auto& it : items) std::cout << dumpReport(itemJson(it), false) << "\n";
    return kUnchanged;
  }
  std::cout << "ID                                TIME                 SOURCE  FROM / FILE                     SUBJECT / REASONS\n";
  for (const auto& it : items) {
    std::string who = it.source == "file" ? it.filename : it.sender;
    std::string what = it.source == "file" ? "" : it.subject;
    std::string reasons;
    for (const auto& r : it.reasons) reasons += (reasons.empty() ? "" : ",") + r;
    char line[128];
    std::snprintf(line, sizeof line, "%-33s %-20s %-7s ", it.id.c_str(), formatTime(it.time).c_str(), it.source.c_str());
    std::cout << line << padColumns(oneLine(who, 30), 32) << padColumns(oneLine(what, 36), what.empty() ? 0 : 40) << "["
              << reasons << "]\n";
  }
  std::cout << items.size() << " item(s)" << (static_cast<int>(items.size()) == o.limit ? " (limit reached; use --limit)" : "")
            << "\n";
  return kUnchanged;
}

// An address for a message: escaped, so a hostile one cannot end the line.
std::string shownAddress(const std::string& a) { return "<" + logValue(a) + ">"; }

quarantine::Item findItem(quarantine::QuarantineStore& store, const std::string& id) {
  if (!quarantine::validId(id)) throw quarantine::StoreError("\"" + id + "\" is not a quarantine id (32 hex digits)");
  auto item = store.get(id);
  if (!item) throw quarantine::StoreError("no item " + id + " in " + store.location() + " (隔離番号が見つかりません)");
  return *item;
}

int runShow(const QuarantineOptions& o) {
  Config config = loadConfig(o.common);
  auto owned = requireStore(config);
  quarantine::QuarantineStore& store = *owned;
  auto it = findItem(store, o.id);
  auto j = itemJson(it);
  j["actions"] = nlohmann::json::parse(it.actionsJson, nullptr, false);
  auto audit = nlohmann::json::array();
  quarantine::AuditFilter f;
  f.itemId = it.id;
  for (const auto& a : store.auditLog(f))
    audit.push_back({{"time", formatTime(a.time)}, {"who", a.who}, {"role", a.role}, {"action", a.action},
                     {"client", a.client}, {"target", a.target}, {"result", a.result}});
  j["audit"] = audit;
  j["report"] = nlohmann::json::parse(it.reportJson, nullptr, false);
  std::cout << dumpReport(j, true) << "\n";
  return kUnchanged;
}

// Every release, export and purge goes into the store's audit log (and
// syslog, authpriv); the action fails with it if the log cannot be written.
void audit(quarantine::QuarantineStore& store, const std::string& itemId, const std::string& action, const std::string& target,
           const std::string& result) {
  quarantine::recordAudit(store, {currentUser(), "cli", auditClient()}, itemId, action, target, result);
}

int runAudit(const QuarantineOptions& o) {
  Config config = loadConfig(o.common);
  auto owned = requireStore(config);
  quarantine::QuarantineStore& store = *owned;
  quarantine::AuditFilter f;
  if (!o.id.empty()) {
    if (!quarantine::validId(o.id)) throw CLI::ValidationError("--item", "\"" + o.id + "\" is not a quarantine id");
    f.itemId = o.id;
  }
  const std::int64_t now = epochSeconds();
  auto when = [now](const std::string& text, const char* opt) -> std::optional<std::int64_t> {
    if (text.empty()) return std::nullopt;
    auto t = parseTimePoint(text, now);
    if (!t) throw CLI::ValidationError(opt, "\"" + text + "\" is not a date (2026-11-01, 2026-11-01T09:30) or an age (7d, 12h)");
    return t;
  };
  f.since = when(o.since, "--since");
  f.before = when(o.before, "--before");
  f.limit = o.limit;
  const auto entries = store.auditLog(f);
  if (o.csv) {
    std::cout << "seq,time,who,role,action,item,client,target,result\r\n";
    for (const auto& a : entries)
      std::cout << a.seq << "," << csvCell(formatTime(a.time)) << "," << csvCell(a.who) << "," << csvCell(a.role) << ","
                << csvCell(a.action) << "," << csvCell(a.itemId) << "," << csvCell(a.client) << "," << csvCell(a.target)
                << "," << csvCell(a.result) << "\r\n";
    return kUnchanged;
  }
  for (const auto& a : entries)
    std::cout << formatTime(a.time) << "  " << logValue(a.action) << "  " << (a.itemId.empty() ? "(store)" : a.itemId)
              << "  by " << logValue(a.who) << " [" << logValue(a.role) << ", " << logValue(a.client) << "]  to "
              << logValue(a.target) << ": " << logValue(a.result) << "\n";
  std::cout << entries.size() << " entr" << (entries.size() == 1 ? "y" : "ies") << " (監査ログ)\n";
  return kUnchanged;
}

int runExport(const QuarantineOptions& o) {
  Config config = loadConfig(o.common);
  auto owned = requireStore(config);
  quarantine::QuarantineStore& store = *owned;
  auto it = findItem(store, o.id);
  std::string original = store.readOriginal(it);
  // Recorded before the original leaves: no export without an entry.
  audit(store, it.id, "export", o.output, "started");
  std::string error = writeOutput(o.output, original);
  audit(store, it.id, "export", o.output, error.empty() ? "ok" : "failed: " + error);
  if (!error.empty()) {
    std::cerr << "mugai: cannot write " << o.output << ": " << error << "\n";
    return kOutputError;
  }
  std::cerr << "exported the untouched original of " << it.id << " to " << o.output
            << " — it is the hostile input; do not open it on a client (無害化前の原本です)\n";
  return kUnchanged;
}

int runRelease(const QuarantineOptions& o) {
  Config config = loadConfig(o.common);
  auto owned = requireStore(config);
  quarantine::QuarantineStore& store = *owned;
  auto it = findItem(store, o.id);
  const std::string mode = o.raw ? "raw" : "resanitized";
  const std::string action = o.raw ? "release_raw" : "release";
  if (it.source == "file" && o.output.empty())
    throw CLI::ValidationError("-o", "a file is released to a file: give -o FILE");
  if (o.output.empty()) {
    if (o.to.empty() && !it.envelope)
      throw CLI::ValidationError("--to", "item " + it.id + " has no SMTP envelope on record (it was not received by mugaid): "
                                         "give --to ADDR (宛先を --to で指定してください)");
    for (const auto& a : o.to)
      if (!validMailbox(a))
        throw CLI::ValidationError("--to", "invalid recipient address " + shownAddress(a) +
                                               " (RFC 5321 syntax, no control characters)");
  }
  if (o.raw)
    std::cerr << "WARNING (警告): releasing the UNTOUCHED original of " << it.id
              << " without sanitizing. This is recorded in the audit trail with your name.\n";
  std::unique_ptr<job::Pool> pool;
  if (!o.raw) pool = startPool(config);

  if (o.output.empty()) {
    const auto r = quarantine::releaseByMail(config, store, pool.get(), it, {o.raw, o.to, o.why},
                                             {currentUser(), "cli", auditClient()});
    using Status = quarantine::ReleaseOutcome::Status;
    switch (r.status) {
      case Status::Removed:
        std::cerr << "mugai: not released: " << r.detail << "\n  (--raw releases the original as it is, with an audit entry)\n";
        return kRejected;
      case Status::Refused:
        std::cerr << "mugai: not released: " << r.detail << " (解放できません)\n";
        return kOutputError;
      case Status::Failed:
        std::cerr << "mugai: release of " << it.id << " failed: " << r.detail << " (解放に失敗しました)\n";
        if (!r.workerCode.empty()) return r.workerCode == "job.worker_unavailable" ? kInternal : kInputError;
        return kOutputError;
      case Status::Released:
        break;
    }
    std::cerr << "released " << it.id << " (" << mode << ") to " << r.target << ": " << r.detail << "\n";
    if (r.partial) std::cerr << "  some recipients were refused; see the relay's log\n";
    return kUnchanged;
  }

  std::string original = store.readOriginal(it);
  std::string why;
  std::string bytes = o.raw ? original : quarantine::resanitize(*pool, it, original, why);  // WorkerFailed reaches main()
  if (!why.empty()) {
    audit(store, it.id, action, o.output, "refused: " + why);
    std::cerr << "mugai: not released: " << why << "\n  (--raw releases the original as it is, with an audit entry)\n";
    return kRejected;
  }
  audit(store, it.id, action, o.output, o.why.empty() ? "started" : "started; reason: " + o.why);  // before the bytes leave
  std::string error = writeOutput(o.output, bytes);
  audit(store, it.id, action, o.output, error.empty() ? "ok" : "failed: " + error);
  if (!error.empty()) {
    std::cerr << "mugai: cannot write " << o.output << ": " << error << "\n";
    return kOutputError;
  }
  std::cerr << "released " << it.id << " (" << mode << ") to " << o.output << "\n";
  return kUnchanged;
}

int runPurge(const QuarantineOptions& o) {
  Config config = loadConfig(o.common);
  auto owned = requireStore(config);
  quarantine::QuarantineStore& store = *owned;
  std::int64_t age = static_cast<std::int64_t>(config.quarantine.retentionDays) * 86400;
  if (!o.olderThan.empty()) {
    auto d = parseDuration(o.olderThan);
    if (!d) throw CLI::ValidationError("--older-than", "\"" + o.olderThan + "\" is not an age (90d, 12h, 2w)");
    age = *d;
  }
  const std::string target = "older than " + formatTime(epochSeconds() - age);
  audit(store, "", "purge", target, "started");  // before anything is removed
  auto r = store.purge(epochSeconds() - age);
  audit(store, "", "purge", target,
        std::string(r.failed ? "failed: " + std::to_string(r.failed) + " object(s) not removed; " : "ok: ") +
            std::to_string(r.items) + " item(s), " + std::to_string(r.objects) + " original(s)");
  std::cout << "purged " << r.items << " item(s) older than " << formatTime(epochSeconds() - age) << ", " << r.objects
            << " stored original(s) no longer needed (削除しました)\n";
  return kUnchanged;
}

}  // namespace

void addQuarantineCommand(CLI::App& app, int& exitCode) {
  auto o = std::make_shared<QuarantineOptions>();
  CLI::App* q = app.add_subcommand("quarantine", "Originals kept by mugai: list, show, export, release, purge, audit, migrate (隔離保管)");
  q->require_subcommand(1);
  addCommonOptions(q, o->common, false);
  auto wrap = [o, &exitCode](int (*fn)(const QuarantineOptions&)) { return [o, fn, &exitCode] { exitCode = fn(*o); }; };

  CLI::App* list = q->add_subcommand("list", "List items, newest first");
  list->add_option("--since", o->since, "Only items from this date/time (2026-11-01, 2026-11-01T09:30) or age (7d)");
  list->add_option("--before", o->before, "Only items before this date/time or age");
  list->add_option("--sender", o->sender, "Sender contains this text (any case)");
  list->add_option("--reason", o->reason, "Items with this reason code (e.g. type.executable)");
  list->add_option("--source", o->source, "mail or file")->check(CLI::IsMember({"mail", "file"}));
  list->add_option("--limit", o->limit, "At most this many items (default 100)")->check(CLI::Range(1, 10'000'000));
  list->add_flag("--json", o->json, "One JSON object per line");
  list->callback(wrap(runList));

  CLI::App* show = q->add_subcommand("show", "Everything about one item: report, actions, its audit entries");
  show->add_option("id", o->id, "Quarantine id")->required();
  show->callback(wrap(runShow));

  CLI::App* exp = q->add_subcommand("export", "Write the untouched original to a file for analysis (audited)");
  exp->add_option("id", o->id, "Quarantine id")->required();
  exp->add_option("-o,--output", o->output, "File to write ('-' for stdout)")->required();
  exp->callback(wrap(runExport));

  CLI::App* rel = q->add_subcommand("release", "Re-sanitize under the release policy and deliver (audited)");
  rel->add_option("id", o->id, "Quarantine id")->required();
  rel->add_option("--to", o->to, "Recipient address (repeatable; default: the original recipients)");
  rel->add_option("-o,--output", o->output, "Write to this file instead of sending (files: required)");
  rel->add_option("--reason", o->why, "Why (written to the audit log with the release)");
  rel->add_flag("--raw", o->raw, "Release the untouched original without sanitizing (loud audit entry)");
  rel->callback(wrap(runRelease));

  CLI::App* purge = q->add_subcommand("purge", "Remove items older than the retention");
  purge->add_option("--older-than", o->olderThan, "Age such as 90d (default: [quarantine] retention_days)");
  purge->callback(wrap(runPurge));
  CLI::App* aud = q->add_subcommand("audit", "The audit log: every release, export and purge, newest first (監査ログ)");
  aud->add_option("--item", o->id, "Only entries of this quarantine id");
  aud->add_option("--since", o->since, "Only entries from this date/time or age (7d)");
  aud->add_option("--before", o->before, "Only entries before this date/time or age");
  aud->add_option("--limit", o->limit, "At most this many entries (default 100)")->check(CLI::Range(1, 10'000'000));
  aud->add_flag("--csv", o->csv, "CSV (RFC 4180, a header line; formula-like cells get a leading ')");
  aud->callback(wrap(runAudit));

  auto m = std::make_shared<MigrateOptions>();
  CLI::App* mig = q->add_subcommand("migrate", "Move a store to another backend, every original verified (移行)");
  mig->add_option("--from", m->from, "sqlite:DIR or postgresql:DSN (read only)")->required();
  mig->add_option("--to", m->to, "sqlite:DIR or postgresql:DSN (created or migrated first)")->required();
  mig->callback([m, &exitCode] { exitCode = runMigrate(*m); });
  q->footer(
      "Exit codes: 0 done, 2 the release policy still removes the item (nothing released), 3 bad usage or config,\n"
      "5 output, delivery or quarantine failure.");
}

}  // namespace mugai::cli
