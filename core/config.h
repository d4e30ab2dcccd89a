// Configuration: TOML (toml++) read once at start-up into an immutable
// Config. Unknown keys, wrong types and out-of-range values are errors
// that name the file, the line and the key, because a typo in a security
// policy must not silently fall back to a default.
// Config errors are the one place that throws (ConfigError); main() catches.
#pragma once

#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "core/config_text.h"
#include "core/limits.h"
#include "core/pipeline.h"

namespace mugai {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StageConfig {
  std::string name;                       ///< registry name
  const toml::table* options = nullptr;   ///< [stage.<name>] in Config::document, or none
};

struct NoticeConfig {
  bool enabled = true;
  std::string introJa = "このメールは無害化ゲートウェイ mugai が処理しました。次の部分を削除または変換しています。";
  std::string introEn =
      "This message was processed by the mugai detoxification gateway. The parts below were removed or converted.";
  /// The same for a file (`mugai scan` / `watch` write it as NAME.removed.txt).
  std::string fileIntroJa = "このファイルは無害化ゲートウェイ mugai が処理しました。次の理由で削除または変換しています。";
  std::string fileIntroEn =
      "This file was processed by the mugai detoxification gateway. It was removed or converted for the reason below.";
  /// How to ask for the original; "{id}" becomes the quarantine id.
  std::string requestJa = "原本は隔離番号 {id} で保管しています。必要な場合は、この番号をシステム管理者にお知らせください。";
  std::string requestEn =
      "The original is kept under quarantine id {id}. If you need it, give this id to your system administrator.";
  /// The console (mugai-web) as recipients reach it, "https://host:port";
  /// when set, each notice carries a signed release-request link
  /// (core/request_link.h). "" = no link.
  std::string consoleUrl;
  std::string consoleKeyFile = "/etc/mugai/console.key";
  int requestLinkDays = 14;
  /// The lines above the link; "{days}" becomes its validity.
  std::string requestLinkJa = "原本が必要な場合は、次のページから解放を申請できます（{days} 日間有効）。";
  std::string requestLinkEn = "To ask for the original, use this page (valid for {days} days):";
  /// The key itself: read from consoleKeyFile by loadConfigFile (the
  /// parent), handed to job workers in their setup frame. Not a TOML key.
  std::string consoleKey;
};

/// Where originals are kept (core/quarantine/store.h).
struct QuarantineConfig {
  bool enabled = true;
  /// "sqlite": the embedded store in `dir`, for one node; "postgresql":
  /// one store shared by several nodes, at `dsn` (README "Several nodes").
  std::string backend = "sqlite";
  std::string dir = "/var/lib/mugai/quarantine";
  /// libpq connection string or URI ("service=mugai", "host=db1 dbname=mugai
  /// sslmode=verify-full"); the password comes from a passfile or the
  /// service file, never from here (a "password" in it is refused).
  std::string dsn;
  int poolSize = 0;  ///< PostgreSQL connections per process; 0 = from the worker count
  int retentionDays = 90;  ///< `mugai quarantine purge` without --older-than
  /// Where `mugai quarantine release` hands mail ("host:port"): the
  /// LGWAN-side mail server, or mugaid's own listener.
  std::string releaseRelay = "127.0.0.1:25";
  /// Envelope sender of released mail; "" = the original sender.
  std::string releaseFrom;
};

/// The job workers ([worker]; core/job/pool.h): the confined processes
/// that parse and sanitize, one job at a time each.
struct WorkerConfig {
  int maxJobs = 100;          ///< jobs before a worker is replaced (Postfix's max_use; README "Process layout")
  int timeoutSeconds = 300;   ///< one job, hard: a worker still busy is killed (fail closed)
  int memoryMb = 4096;        ///< each worker's address space (RLIMIT_AS)
  int cpuSeconds = 3600;      ///< each worker's CPU time over its life (RLIMIT_CPU)
  int attempts = 3;           ///< mugaid after-queue: fresh workers tried before job.worker_crashed
};

struct Config {
  Limits limits;
  std::vector<StageConfig> stages{
      {"signature_scan", nullptr}, {"office_cdr", nullptr},   {"attachment_strip", nullptr},
      {"zip_scan", nullptr},       {"pdf_rerender", nullptr}, {"html_to_text", nullptr},
      {"url_defang", nullptr}};
  NoticeConfig notice;
  QuarantineConfig quarantine;
  WorkerConfig worker;
  /// The release policy: the pipeline a released original goes through
  /// again ([release]; built in: kDefaultReleasePolicy).
  std::vector<StageConfig> releaseStages;
  std::string source = "(built-in defaults)";  ///< where it came from, for messages
  /// The files it was read from, in merge order (none = the built-in
  /// defaults): job workers parse and merge the same texts the same way
  /// (core/job/pool.h), so they run exactly what was checked here.
  std::vector<ConfigText> texts;
  /// The parsed file; stage options point into it (keeping their line numbers).
  std::shared_ptr<const toml::table> document;
  /// Holds the built-in release policy's options when the file has no [release].
  std::shared_ptr<const toml::table> releaseDocument;

  Config();
  /// The same config with the release policy as its pipeline.
  Config forRelease() const;
};

/// The built-in release policy, as TOML (also in samples/mugai.toml).
extern const char* const kDefaultReleasePolicy;

/// Reads and checks a TOML file, then the `conf.d/*.toml` files beside it
/// (a missing conf.d is none) merged over it in byte order of their names
/// (mergeToml). Names starting with "." and names not ending in ".toml"
/// (dpkg's .dpkg-old, an editor's backup) are skipped; any other entry
/// that is not a readable regular file, and a conf.d (or file in it) that
/// others may write to or that neither root nor we own, is an error. Throws
/// ConfigError("FILE:LINE: what"), naming the file that set the value.
Config loadConfigFile(const std::string& path);
/// Same, from text; `sourceName` is used in error messages.
Config parseConfig(std::string_view text, const std::string& sourceName);
/// Parses each text, merges them in order (mergeToml) and checks the result.
/// Options of a stage that the stage list does not run are an error, unless
/// every line of them comes from a file before the one that set the list
/// (a conf.d file that drops a stage the main file configured).
Config parseConfigTexts(std::vector<ConfigText> texts);

/// Judges a [quarantine] dsn as a config is read: "" when it is fine, else
/// why not (libpq cannot read it, it holds a password). The PostgreSQL
/// store sets it (core/quarantine/pg_store.cpp), so every program that can
/// open a store judges dsn when it reads its config; the job worker, which
/// never opens one, reads dsn unjudged (its parent judged the same text)
/// and is not linked with libpq and what libpq brings (Kerberos, LDAP,
/// SASL, GnuTLS), which would be mapped into the confined worker.
using DsnJudge = std::string (*)(const std::string& dsn);
void setDsnJudge(DsnJudge judge);

/// The installed config (Debian package: a conffile), used by mugai and
/// mugaid when no -c/--config is given and it exists.
inline constexpr const char* kSystemConfig = "/etc/mugai/mugai.toml";
/// `given` when set; else kSystemConfig when it exists; else "" (the
/// built-in defaults).
std::string resolveConfigPath(const std::string& given);

/// The files loadConfigFile reads for `path`, in merge order (path first).
std::vector<std::string> configFiles(const std::string& path);
/// Merges `over` into `base`: tables key by key, any other value (arrays
/// included) replaces the earlier one. Nodes keep their source.
void mergeToml(toml::table& base, toml::table&& over);

/// Throws ConfigError naming `source`, the node's line and `what`.
[[noreturn]] void configFail(const std::string& source, const toml::node* at, const std::string& what);
/// Checks that `table` has no key outside `allowed` (typo guard).
void checkKeys(const toml::table& table, std::initializer_list<std::string_view> allowed,
               const std::string& source, const std::string& section);

// Typed readers for one key of a section, shared by every section's parser
// (core, sanitizers, mugaid): `current` when the key is absent, ConfigError
// naming file:line and the key when it has the wrong type or range.
std::int64_t readInteger(const toml::table& t, std::string_view key, std::int64_t current, std::int64_t min,
                         std::int64_t max, const std::string& source);
template <class T>
T readInt(const toml::table& t, std::string_view key, T current, std::int64_t min, std::int64_t max,
          const std::string& source) {
  return static_cast<T>(readInteger(t, key, static_cast<std::int64_t>(current), min, max, source));
}
std::string readString(const toml::table& t, std::string_view key, const std::string& current,
                       const std::string& source);
/// A string that must be one of `choices`; anything else names the choices.
std::string readChoice(const toml::table& t, std::string_view key, const std::string& current,
                       std::initializer_list<std::string_view> choices, const std::string& source);
bool readBool(const toml::table& t, std::string_view key, bool current, const std::string& source);
std::vector<std::string> readStrings(const toml::table& t, std::string_view key, std::vector<std::string> current,
                                     const std::string& source);

}  // namespace mugai
