// mugai: the command-line driver. A thin shell over core/: each
// subcommand parses its options and calls the pipeline. Config and
// start-up errors are exceptions caught here once, with an exit code.
#include <sys/prctl.h>

#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/config_command.h"
#include "cli/exit_codes.h"
#include "cli/file_command.h"
#include "cli/mail_command.h"
#include "cli/quarantine_command.h"
#include "cli/scan_command.h"
#include "cli/sigs_command.h"
#include "cli/tls_cert_command.h"
#include "cli/watch_command.h"
#include "cli/web_command.h"
#include "core/config.h"
#include "core/job/pool.h"
#include "core/quarantine/store.h"

int main(int argc, char** argv) {
  // Not dumpable: another process of the same user cannot read our memory
  // (/proc/PID/mem), descriptors or environment while we hold an original.
  ::prctl(PR_SET_DUMPABLE, 0);
  using namespace mugai::cli;
  CLI::App app{"mugai — mail and file detoxification (メール・ファイル無害化)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "mugai " MUGAI_VERSION);
  int exitCode = kInternal;
  addMailCommand(app, exitCode);
  addFileCommand(app, exitCode);
  addScanCommand(app, exitCode);
  addQuarantineCommand(app, exitCode);
  addWatchCommand(app, exitCode);
  addTlsCertCommand(app, exitCode);
  addSigsCommand(app, exitCode);
  addConfigCommand(app, exitCode);
  addWebCommand(app, exitCode);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kUsage;
  } catch (const mugai::ConfigError& e) {
    std::cerr << "mugai: config error (設定エラー): " << e.what() << "\n";
    return kUsage;
  } catch (const mugai::quarantine::StoreError& e) {
    std::cerr << "mugai: quarantine (隔離保管): " << e.what() << "\n";
    return kOutputError;
  } catch (const mugai::job::WorkerFailed& e) {
    // Fail closed: the input got no verdict, nothing was written.
    std::cerr << "mugai: the input could not be inspected (検査できませんでした): " << e.code() << ": " << e.what()
              << "\n  nothing was written\n";
    return e.code() == "job.worker_unavailable" ? kInternal : kInputError;
  } catch (const std::exception& e) {
    std::cerr << "mugai: internal error (内部エラー): " << e.what() << "\n";
    return kInternal;
  }
  return exitCode;
}
