// mugai-web: the quarantine console (隔離コンソール). A process of its own,
// under its own unit (mugai-web.service), never inside mugaid: it reads
// and writes the quarantine store mugaid fills, serves HTTPS to
// administrators, and releases through the same code as `mugai
// quarantine release` (re-sanitized in a confined job worker).
//
//   mugai-web [-c FILE] [--check-config] [--version]
//
// Under systemd (Type=notify) it says READY=1 once listening and
// STOPPING=1 on SIGTERM. Accounts: `mugai web user add`.
#include <signal.h>
#include <systemd/sd-daemon.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "core/clock.h"
#include "core/config.h"
#include "core/log_escape.h"
#include "core/quarantine/store.h"
#include "web/console.h"
#include "web/server.h"
#include "web/web_config.h"

using namespace mugai;

int main(int argc, char** argv) {
  CLI::App app{"mugai-web: the quarantine console of mugai, over HTTPS (無害化ゲートウェイの隔離コンソール)"};
  std::string configPath;
  bool checkOnly = false;
  app.add_option("-c,--config", configPath, "Config file (default /etc/mugai/mugai.toml when it exists)");
  app.add_flag("--check-config", checkOnly, "Check the config, the certificate and the store, then exit");
  app.set_version_flag("--version", std::string("mugai-web ") + MUGAI_VERSION);
  app.footer("Accounts: mugai web user add NAME --role admin|auditor. Settings: [web] in mugai.toml (mugai.toml(5)).\n"
             "Exit codes: 0 stopped cleanly (or config ok), 3 bad usage or config, 6 cannot start.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 3;
  }
  configPath = resolveConfigPath(configPath);
  Config config;
  web::WebConfig webConfig;
  try {
    config = configPath.empty() ? Config() : loadConfigFile(configPath);
    webConfig = web::readWebConfig(config);
  } catch (const ConfigError& e) {
    std::cerr << "mugai-web: " << e.what() << "\n";
    return 3;
  }
  if (!config.quarantine.enabled) {
    std::cerr << "mugai-web: [quarantine] enabled = false: there is nothing to show (隔離が無効です)\n";
    return 3;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  try {
    sd_notify(0, "EXTEND_TIMEOUT_USEC=1800000000\nSTATUS=opening the quarantine store");
    auto owned = quarantine::openStore(config.quarantine);
    quarantine::QuarantineStore& store = *owned;
    if (!store.migration().empty()) std::cerr << "mugai-web: " << store.migration() << "\n";
    web::Console console(config, webConfig, store, [] { return epochSeconds(); });
    web::Server server(console, webConfig);
    if (checkOnly) {
      std::cout << "mugai-web: config ok (" << config.source << "): listen " << webConfig.listen << ", store "
                << config.quarantine.dir << ", " << store.users().size() << " account(s)\n";
      return 0;
    }
    const std::string bound = server.bound();
    std::cerr << "mugai-web listening on https://" << bound << "/ store=" << config.quarantine.dir
              << " accounts=" << store.users().size() << (webConfig.trustedHeader.empty() ? "" : " sso=" + webConfig.trustedHeader)
              << "\n";
    if (store.users().empty())
      std::cerr << "mugai-web: no account yet: add one with  mugai web user add NAME --role admin  (アカウントがありません)\n";
    sd_notifyf(0, "READY=1\nSTATUS=listening on https://%s/", bound.c_str());
    std::thread waiter([&] {
      for (int sig = 0; sigwait(&signals, &sig) == 0;) {
        if (sig == SIGHUP) {
          std::cerr << "mugai-web: SIGHUP: settings take effect at the next restart (設定の反映には再起動が必要です)\n";
          continue;
        }
        sd_notify(0, "STOPPING=1");
        std::cerr << "mugai-web: stopping\n";
        server.stop();
        return;
      }
    });
    server.run(2);
    waiter.join();
    return 0;
  } catch (const quarantine::StoreError& e) {
    std::cerr << "mugai-web: quarantine store: " << e.what() << "\n";
    return 6;
  } catch (const std::exception& e) {
    std::cerr << "mugai-web: " << e.what() << "\n";
    return 6;
  }
}
