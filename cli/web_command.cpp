// `mugai web user add NAME --role admin|auditor [--originals]`, `passwd
// NAME`, `del NAME`, `list`: accounts of the quarantine console, mugai-web
// (role admin: search, release re-sanitized, purge; --originals: also the
// untouched original; auditor: read only). The password is read from the terminal (twice,
// without echo) or, when standard input is not a terminal, from its first
// line; never from the command line, where `ps` would show it. It is kept
// only as an Argon2id hash (core/password_hash.h). Every change is an entry
// of the store's audit log.
#include "cli/web_command.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <iostream>

#include "cli/common.h"
#include "cli/exit_codes.h"
#include "cli/time_text.h"
#include "core/clock.h"
#include "core/password_hash.h"
#include "core/quarantine/store.h"
#include "core/c_handles.h"
#include "core/request_link.h"

namespace mugai::cli {
namespace {

struct WebOptions {
  CommonOptions common;
  std::string name;
  std::string role = "auditor";  // the lesser role unless asked
  bool originals = false;
  std::string keyFile;  // key --output
};

// A name an administrator types and the console shows: letters, digits and
// . _ @ - only, so it can never forge a log line or an HTML element.
bool validUserName(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '@' || c == '-'))
      return false;
  return true;
}

// The terminal as it was before the prompt: put back on every way out,
// Ctrl-C and Ctrl-Z included, so a shell is never left without echo.
termios savedTerminal{};
volatile sig_atomic_t terminalSaved = 0;

void restoreTerminalAndDie(int sig) {
  if (terminalSaved) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &savedTerminal);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

std::string readLineNoEcho(const char* prompt) {
  std::cerr << prompt << std::flush;
  const bool tty = ::tcgetattr(STDIN_FILENO, &savedTerminal) == 0;
  struct sigaction restore {}, old[4]{};
  const int signals[4] = {SIGINT, SIGTERM, SIGHUP, SIGTSTP};
  if (tty) {
    restore.sa_handler = restoreTerminalAndDie;
    for (int i = 0; i < 4; ++i) ::sigaction(signals[i], &restore, &old[i]);
    terminalSaved = 1;
    termios quiet = savedTerminal;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &savedTerminal);
    terminalSaved = 0;
    for (int i = 0; i < 4; ++i) ::sigaction(signals[i], &old[i], nullptr);
    std::cerr << "\n";
  }
  return line;
}

// The new password, checked; throws CLI::ValidationError (exit 3).
std::string newPassword(const std::string& user) {
  std::string password;
  if (::isatty(STDIN_FILENO)) {
    password = readLineNoEcho("New password (新しいパスワード): ");
    if (readLineNoEcho("Again (もう一度): ") != password)
      throw CLI::ValidationError("password", "the two passwords differ (パスワードが一致しません)");
  } else {
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
  }
  if (std::string why = passwordProblem(password, user); !why.empty()) throw CLI::ValidationError("password", why);
  return password;
}

void auditUser(quarantine::QuarantineStore& store, const std::string& action, const std::string& target) {
  store.audit({0, epochSeconds(), currentUser(), "cli", action, "", auditClient(), target, "ok"});
}

void checkName(const std::string& name) {
  if (!validUserName(name))
    throw CLI::ValidationError("NAME", "a user name is 1 to 64 of A-Z a-z 0-9 . _ @ - (ユーザー名に使えない文字があります)");
}

int runAdd(const WebOptions& o) {
  checkName(o.name);
  auto owned = requireStore(loadConfig(o.common));
  quarantine::QuarantineStore& store = *owned;
  if (store.user(o.name)) throw CLI::ValidationError("NAME", "user " + o.name + " exists (既に存在します); to change the password: passwd");
  if (o.originals && o.role != "admin")
    throw CLI::ValidationError("--originals", "only an admin may hand out originals (原本の取り扱いは admin のみ)");
  const std::string password = newPassword(o.name);
  quarantine::WebUser u;
  u.name = o.name;
  u.role = o.role;
  u.hash = hashPassword(password);
  u.originals = o.originals;
  store.addUser(u);
  const std::string what = o.role + (o.originals ? ", originals" : "");
  auditUser(store, "user_add", o.name + " (" + what + ")");
  std::cout << "added " << o.name << " (" << what << ") (追加しました)\n";
  return kUnchanged;
}

int runPasswd(const WebOptions& o) {
  checkName(o.name);
  auto owned = requireStore(loadConfig(o.common));
  quarantine::QuarantineStore& store = *owned;
  if (!store.user(o.name)) throw CLI::ValidationError("NAME", "no user " + o.name + " (ユーザーが見つかりません)");
  const std::string password = newPassword(o.name);
  if (!store.setUserHash(o.name, hashPassword(password)))  // deleted while we asked for the password
    throw quarantine::StoreError("user " + o.name + " no longer exists; nothing changed (ユーザーが削除されました)");
  auditUser(store, "user_passwd", o.name);
  std::cout << "changed the password of " << o.name << " (変更しました)\n";
  return kUnchanged;
}

int runDel(const WebOptions& o) {
  checkName(o.name);
  auto owned = requireStore(loadConfig(o.common));
  quarantine::QuarantineStore& store = *owned;
  if (!store.deleteUser(o.name)) throw CLI::ValidationError("NAME", "no user " + o.name + " (ユーザーが見つかりません)");
  auditUser(store, "user_del", o.name);
  std::cout << "deleted " << o.name << " (削除しました)\n";
  return kUnchanged;
}

int runList(const WebOptions& o) {
  auto owned = requireStore(loadConfig(o.common));
  quarantine::QuarantineStore& store = *owned;
  const auto users = store.users();
  for (const auto& u : users)
    std::cout << u.name << "  " << u.role << (u.originals ? "+originals" : "") << "  created " << formatTime(u.created)
              << "  password changed " << formatTime(u.changed) << "  last login "
              << (u.lastLogin ? formatTime(u.lastLogin) : std::string("never"))
              << (u.lockedUntil > epochSeconds() ? "  LOCKED until " + formatTime(u.lockedUntil) + " (ロック中)" : "")
              << "\n";
  std::cout << users.size() << " user(s)\n";
  return kUnchanged;
}

// `mugai web key`: the key that signs the release-request links in
// notices. Created, never overwritten (a new key voids every link already
// sent): 0640, and group _mugai when run as root and the group exists, so
// mugaid and mugai-web (user _mugai) can read it and nobody else.
int runKey(const WebOptions& o) {
  std::string path = o.keyFile;
  if (path.empty()) path = loadConfig(o.common).notice.consoleKeyFile;
  const std::string key = newRequestKey() + "\n";
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640));
  if (!fd) {
    std::cerr << "mugai: cannot create " << path << ": " << std::strerror(errno)
              << (errno == EEXIST ? " (it exists; a new key voids the links already sent: remove it first to replace it)" : "")
              << "\n";
    return kOutputError;
  }
  if (::geteuid() == 0)
    if (const group* g = ::getgrnam("_mugai")) (void)::fchown(fd.get(), 0, g->gr_gid);
  if (::write(fd.get(), key.data(), key.size()) != static_cast<ssize_t>(key.size()) || ::fsync(fd.get()) != 0) {
    std::cerr << "mugai: cannot write " << path << ": " << std::strerror(errno) << "\n";
    ::unlink(path.c_str());
    return kOutputError;
  }
  std::cout << "wrote a new key to " << path << " (鍵を作成しました); set [notice] console_url to the console's address\n";
  return kUnchanged;
}

}  // namespace

void addWebCommand(CLI::App& app, int& exitCode) {
  auto o = std::make_shared<WebOptions>();
  CLI::App* web = app.add_subcommand("web", "The quarantine console's accounts and link key (隔離コンソール)");
  web->require_subcommand(1);
  addCommonOptions(web, o->common, false);
  CLI::App* user = web->add_subcommand("user", "Add, change, delete and list accounts (admin or auditor)");
  user->require_subcommand(1);
  auto wrap = [o, &exitCode](int (*fn)(const WebOptions&)) { return [o, fn, &exitCode] { exitCode = fn(*o); }; };

  CLI::App* add = user->add_subcommand("add", "Add an account; the password is read from the terminal or standard input");
  add->add_option("name", o->name, "User name")->required();
  add->add_option("--role", o->role, "admin (release, purge) or auditor (read only); default auditor")
      ->check(CLI::IsMember({"admin", "auditor"}));
  add->add_flag("--originals", o->originals,
                "An admin who may also release or download the untouched original (each time with a reason and the password)");
  add->callback(wrap(runAdd));
  CLI::App* passwd = user->add_subcommand("passwd", "Set a new password (read as for add); also unlocks a locked account");
  passwd->add_option("name", o->name, "User name")->required();
  passwd->callback(wrap(runPasswd));
  CLI::App* del = user->add_subcommand("del", "Delete an account");
  del->add_option("name", o->name, "User name")->required();
  del->callback(wrap(runDel));
  CLI::App* list = user->add_subcommand("list", "List the accounts");
  list->callback(wrap(runList));
  CLI::App* key = web->add_subcommand("key", "Make the key that signs the release-request links in notices");
  key->add_option("-o,--output", o->keyFile, "Where (default: [notice] console_key_file)");
  key->callback(wrap(runKey));
  web->footer("Passwords: at least 12 characters, kept as Argon2id hashes (OWASP parameters). Every change is in the\n"
              "quarantine's audit log. Exit codes: 0 done, 3 bad usage (a taken or unknown name, a weak password), 5 store failure.");
}

}  // namespace mugai::cli
