// mugaid: the SMTP relay daemon. Reads the TOML config (the same file as
// mugai; [daemon] is its own section), recovers the spool, starts the
// workers and the listener, and runs until SIGTERM or SIGINT, which stop
// the listener, let the workers finish the message in hand, and exit.
// Anything not finished stays in the spool for the next start.
#include <signal.h>

#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "core/config.h"
#include "daemon/daemon_config.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
#include "daemon/processor.h"
#include "daemon/queue.h"
#include "daemon/server.h"
#include "sanitizers/builtin.h"

int main(int argc, char** argv) {
  using namespace mugai;
  using namespace mugai::daemon;
  CLI::App app{"mugaid — the mugai SMTP relay (無害化メールゲートウェイ)"};
  std::string configPath;
  bool checkOnly = false;
  app.add_option("-c,--config", configPath, "TOML config (default: built-in defaults)");
  app.add_flag("--check-config", checkOnly, "Check the config and exit (0 = valid)");
  app.set_version_flag("--version", "mugaid 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 3;
  }
  try {
    Config config = configPath.empty() ? Config() : loadConfigFile(configPath);
    DaemonConfig daemon = readDaemonConfig(config);
    auto registry = sanitizers::builtinRegistry();
    registry.build(config);  // stage options are checked now, not at the first message
    if (checkOnly) {
      std::cout << "mugaid: config ok (" << config.source << "): listen " << daemon.listen << ", delivery "
                << daemon.delivery << ", spool " << daemon.spoolDir << "\n";
      return 0;
    }
    // Signals are taken by a thread of ours (sigwait), not by handlers.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    Queue queue(daemon.spoolDir);
    std::size_t stale = queue.recover();
    std::unique_ptr<quarantine::Store> store;
    if (config.quarantine.enabled) store = std::make_unique<quarantine::Store>(config.quarantine.dir);
    Metrics metrics;
    Processor processor(config, daemon, queue, store.get(), metrics, [&] { return registry.build(config); });
    Server server(daemon, queue, metrics, [&](const std::string& id) { processor.received(id); });
    std::string bound = server.bind();
    if (std::string m = server.bindMetrics(); !m.empty()) logEvent("metrics on http://" + m + "/metrics");
    logEvent("mugaid listening on " + bound + " delivery=" + daemon.delivery + " spool=" + daemon.spoolDir +
             " quarantine=" + (store ? store->dir() : std::string("off")) + " recovered_temp_files=" + std::to_string(stale));
    processor.start();
    std::thread waiter([&] {
      int sig = 0;
      while (sigwait(&signals, &sig) == 0 && sig == SIGPIPE) {
      }
      logEvent("signal " + std::to_string(sig) + ": stopping (work in hand is finished, the rest stays spooled)");
      server.stop();
    });
    server.run(1);
    processor.stop();
    waiter.join();
    logEvent("mugaid stopped");
    return 0;
  } catch (const ConfigError& e) {
    std::cerr << "mugaid: config error (設定エラー): " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "mugaid: cannot start: " << e.what() << "\n";
    return 1;
  }
}
