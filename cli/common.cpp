// See common.h.
#include "cli/common.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>

#include "core/c_handles.h"
#include "core/durable_file.h"
#include "core/log_escape.h"
#include "core/report.h"

namespace mugai::cli {

void addCommonOptions(CLI::App* cmd, CommonOptions& o, bool canDisable) {
  cmd->add_option("-c,--config", o.config,
                  "TOML config, with its conf.d/*.toml merged in order (default: " + std::string(kSystemConfig) +
                      " when it exists, else the built-in defaults)");
  cmd->add_option("--quarantine", o.quarantineDir, "Quarantine directory: the embedded store there (overrides [quarantine] backend and dir)");
  if (canDisable)
    cmd->add_flag("--no-quarantine", o.noQuarantine,
                  "Do not keep originals (the input stays where it is; the notice says the original was not kept)");
}

void addPasswordOption(CLI::App* cmd, CommonOptions& o) {
  cmd->add_option("--password", o.passwords,
                  "Password to try on protected ZIP archives, PDFs and Office documents (repeatable; needs "
                  "encrypted = \"password\" in [stage.zip_scan], [stage.pdf_rerender] or [stage.office_cdr]). "
                  "Passwords quoted in a mail's own text are tried too.");
}

std::unique_ptr<job::Pool> startPool(const Config& config) {
  auto pool = std::make_unique<job::Pool>(job::setupFor(config), job::optionsFor(config));
  pool->check();
  return pool;
}

Config loadConfig(const CommonOptions& o) {
  const std::string path = resolveConfigPath(o.config);
  Config c = path.empty() ? Config() : loadConfigFile(path);
  if (!o.quarantineDir.empty()) {
    c.quarantine.dir = o.quarantineDir;
    c.quarantine.backend = "sqlite";  // a directory: the embedded store there, whatever the config shares
    c.quarantine.enabled = true;
  }
  if (o.noQuarantine) c.quarantine.enabled = false;
  return c;
}

std::unique_ptr<quarantine::QuarantineStore> openStore(const Config& config) {
  if (!config.quarantine.enabled) return nullptr;
  auto store = quarantine::openStore(config.quarantine);
  if (!store->migration().empty()) std::cerr << "mugai: " << store->migration() << "\n";
  return store;
}

std::unique_ptr<quarantine::QuarantineStore> requireStore(const Config& config) {
  if (!config.quarantine.enabled) throw quarantine::StoreError("quarantine is disabled in the config ([quarantine] enabled)");
  return quarantine::openStore(config.quarantine);
}

std::string readInput(const std::string& path, std::string& out, std::uint64_t maxBytes) {
  if (path != "-") return readWholeFile(path, out, maxBytes);
  out.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  if (std::cin.bad()) return "read error on standard input";
  if (out.size() > maxBytes) return "too large (limit " + std::to_string(maxBytes) + " bytes)";
  return "";
}

std::string writeOutput(const std::string& path, std::string_view bytes) {
  // A path is only ever a regular file: temporary file beside it, fsync,
  // rename. A FIFO, device, directory or symlink there is refused without
  // being opened (writeFileDurably), so a planted name neither blocks us
  // nor redirects the bytes. Pipes and terminals are reached through "-".
  if (path != "-") return writeFileDurably(path, bytes);
  std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  std::cout.flush();
  return std::cout ? "" : "write error on standard output";
}

bool keepOriginal(const Config& config, quarantine::Item item, std::string_view original) {
  if (!config.quarantine.enabled) return true;
  try {
    openStore(config)->put(std::move(item), original);
    return true;
  } catch (const quarantine::StoreError& e) {
    std::cerr << "mugai: cannot keep the original in quarantine (原本を隔離保管できません): " << e.what()
              << "\n  nothing was written; use --quarantine DIR or --no-quarantine\n";
    return false;
  }
}

std::string originalLine(const Config& config, const std::string& id, bool changed) {
  if (!changed) return "";
  if (!config.quarantine.enabled) return "  original not kept (--no-quarantine; 原本は保管していません)\n";
  return "  original kept in quarantine " + config.quarantine.dir + " as " + id + " (原本を隔離保管しました)\n";
}

bool writeReport(const std::string& path, const nlohmann::json& report) {
  if (path.empty()) return true;
  std::string error = writeOutput(path, dumpReport(report, true) + "\n");
  if (!error.empty()) std::cerr << "mugai: cannot write report " << path << ": " << error << " (レポートを書けません)\n";
  return error.empty();
}

std::string currentUser() {
  uid_t uid = ::getuid();
  std::string name = "?";
  if (const passwd* pw = ::getpwuid(uid)) name = pw->pw_name;
  std::string who = name + " (uid " + std::to_string(uid) + ")";
  // SUDO_USER is the caller's to set: named only where sudo made us root,
  // and marked as sudo's word.
  const char* sudo = std::getenv("SUDO_USER");
  if (sudo && uid == 0 && std::getenv("SUDO_UID")) who += " via sudo by " + logValue(sudo) + " (as sudo says)";
  return who;
}

std::string auditClient() {
  const char* ssh = std::getenv("SSH_CLIENT");
  if (!ssh) return "local";
  const std::string a(ssh);
  return "ssh:" + logValue(a.substr(0, a.find(' ')));
}

}  // namespace mugai::cli
