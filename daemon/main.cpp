// mugaid: the SMTP relay daemon. Reads the TOML config (the same file as
// mugai; [daemon] is its own section), recovers the spool, starts the
// workers and the listener, and runs until SIGTERM or SIGINT, which stop
// the listener, let the workers finish the message in hand, and exit.
// Anything not finished stays in the spool for the next start. SIGHUP
// reloads the config (policy, relay rules, delivery) without dropping
// sessions; a config that does not load is logged and ignored. Stage
// options are checked by starting a job worker with the config (this
// process builds no pipeline: it links no parser, core/job/pool.h).
// Under systemd (Type=notify) it says READY=1 once listening, RELOADING=1
// and READY=1 around a SIGHUP reload, and STOPPING=1 (sd_notify(3)).
#include <signal.h>
#include <sys/prctl.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "core/config.h"
#include "core/job/pool.h"
#include "daemon/daemon_config.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
#include "daemon/processor.h"
#include "daemon/queue.h"
#include "daemon/server.h"
#include "daemon/settings.h"

namespace {

std::uint64_t monotonicMicros() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

}  // namespace

int main(int argc, char** argv) {
  // Not dumpable: no other process of our user (a subverted worker among
  // them) reads our memory, descriptors, TLS key or spool through /proc.
  ::prctl(PR_SET_DUMPABLE, 0);
  using namespace mugai;
  using namespace mugai::daemon;
  CLI::App app{"mugaid — the mugai SMTP relay (無害化メールゲートウェイ)"};
  std::string configPath;
  bool checkOnly = false;
  std::string configArg;
  app.add_option("-c,--config", configPath,
                 "TOML config, with its conf.d/*.toml merged in order (default: " + std::string(kSystemConfig) +
                     " when it exists, else the built-in defaults)");
  app.add_option("config", configArg, "The same as -c (so `mugaid --check-config FILE` reads)");
  app.add_flag("--check-config", checkOnly, "Check the config and exit (0 = valid)");
  app.set_version_flag("--version", "mugaid " MUGAI_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 3;
  }
  if (!configArg.empty() && !configPath.empty() && configArg != configPath) {
    std::cerr << "mugaid: two config files given (" << configPath << ", " << configArg << ")\n";
    return 3;
  }
  configPath = resolveConfigPath(configPath.empty() ? configArg : configPath);
  try {
    SettingsHolder settings(loadSettings(configPath, 1));
    const SettingsPtr boot = settings.get();
    const DaemonConfig& daemon = boot->daemon;
    job::Pool pool(job::setupFor(boot->config), job::optionsFor(boot->config));
    pool.check();  // stage options: a worker builds the pipelines (ConfigError), and it can start at all
    if (checkOnly) {
      std::cout << "mugaid: config ok (" << boot->config.source << "): listen " << daemon.listen << " (" << daemon.mode
                << "), delivery "
                << daemon.delivery << ", spool " << daemon.spoolDir << "\n";
      return 0;
    }
    // Signals are taken by a thread of ours (sigwait), not by handlers.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    Queue queue(daemon.spoolDir);
    std::size_t stale = queue.recover();
    std::unique_ptr<quarantine::QuarantineStore> store;
    // Opening may migrate an old index (a backup copy first): more than
    // systemd's start timeout allows for a large one.
    sd_notify(0, "EXTEND_TIMEOUT_USEC=1800000000\nSTATUS=opening the quarantine store");
    // PostgreSQL: a connection per sanitizing thread at most (group commit
    // needs one for all of them; releases and the rest use the others).
    if (boot->config.quarantine.enabled) store = quarantine::openStore(boot->config.quarantine, daemon.threads());
    if (store && !store->migration().empty()) logEvent(store->migration());
    Metrics metrics;
    Processor processor(settings, queue, store.get(), metrics, pool);
    Server server(settings, queue, metrics,
                  {[&](const std::string& id) { processor.received(id); },
                   [&](const std::string& id, Envelope e, MessageBody b) {
                     return processor.sanitizeBeforeQueue(id, std::move(e), std::move(b));
                   }});
    std::string bound = server.bind();
    if (std::string m = server.bindMetrics(); !m.empty()) logEvent("metrics on http://" + m + "/metrics");
    logEvent("mugaid listening on " + bound + " mode=" + daemon.mode + " delivery=" + daemon.delivery + " spool=" + daemon.spoolDir +
             " quarantine=" + (store ? store->location() : std::string("off")) + " recovered_temp_files=" + std::to_string(stale));
    // systemd (Type=notify): up only once the listener is bound and a
    // worker has started. Without NOTIFY_SOCKET these calls do nothing.
    sd_notifyf(0, "READY=1\nSTATUS=listening on %s", bound.c_str());
    // The worker check() started belongs to this thread, which runs no job:
    // let it go (each message thread starts its own).
    pool.reconfigure(job::setupFor(boot->config));
    processor.start();
    std::thread waiter([&] {
      std::uint64_t generation = 1;
      for (int sig = 0; sigwait(&signals, &sig) == 0;) {
        if (sig == SIGPIPE) continue;
        if (sig == SIGHUP) {
          // Reload: a bad file leaves the running settings in place.
          sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", static_cast<unsigned long long>(monotonicMicros()));
          try {
            SettingsPtr next = loadSettings(configPath, ++generation);
            job::Pool(job::setupFor(next->config), job::optionsFor(next->config)).check();  // stage options
            if (next->daemon.listen != daemon.listen || next->daemon.spoolDir != daemon.spoolDir ||
                next->daemon.tlsCert != daemon.tlsCert || next->config.quarantine.dir != boot->config.quarantine.dir)
              logEvent("reload: listen, spool_dir, tls and quarantine dir changes take effect at the next restart");
            pool.reconfigure(job::setupFor(next->config));
            settings.set(std::move(next));
            logEvent("reloaded " + (configPath.empty() ? std::string("(built-in defaults)") : configPath) +
                     " generation=" + std::to_string(generation));
          } catch (const std::exception& e) {
            logEvent(std::string("reload failed, keeping the running config: ") + e.what());
          }
          sd_notify(0, "READY=1");
          continue;
        }
        logEvent("signal " + std::to_string(sig) + ": stopping (work in hand is finished, the rest stays spooled)");
        sd_notify(0, "STOPPING=1");
        server.stop();
        return;
      }
    });
    server.run(1);
    processor.stop();
    waiter.join();
    logEvent("mugaid stopped");
    return 0;
  } catch (const ConfigError& e) {
    std::cerr << "mugaid: config error (設定エラー): " << e.what() << "\n";
    return 3;
  } catch (const job::WorkerFailed& e) {
    std::cerr << "mugaid: the job worker cannot start (検査プロセスを起動できません): " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "mugaid: cannot start: " << e.what() << "\n";
    return 1;
  }
}
