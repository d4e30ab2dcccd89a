// Running mugai-pdf-worker processes, for worker_client.cpp (raster) and
// vector_client.cpp (vector): start one with its own three pipes and
// nothing else inherited, feed its stdin and collect its stdout and stderr
// under one wall-clock deadline, reap or kill it, and turn its exit into a
// finding.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string_view>
#include <cstdint>
#include <string>
#include <vector>

#include "core/c_handles.h"
#include "sanitizers/pdf_rerender/worker_client.h"

namespace mugai::sanitizers::pdf_rerender {

struct Worker {
  pid_t pid = -1;
  UniqueFd in, out, err;  // our ends: child's stdin, stdout, stderr
  std::string input;      // what we still have to write
  std::size_t written = 0;
  std::string stdoutBytes, stderrBytes;
  int status = 0;
  bool exited = false;
};

/// Starts one worker. The argv is built before fork: between fork and exec
/// the child only calls dup2, close and execve (async-signal-safe), since
/// the parent may have other threads. @return false if it could not start.
bool spawn(Worker& w, const std::string& path, const std::vector<std::string>& args);

/// The arguments every worker gets (limits, dpi, its share of the pages).
std::vector<std::string> workerArgs(const RenderOptions& o, int stride, int offset);

/// Drives every worker's pipes until all have exited or the deadline
/// passes. @return false on timeout, or when a worker's stdout passes
/// `outputCap` bytes (runaway).
bool pump(std::vector<Worker>& ws, std::chrono::steady_clock::time_point deadline, std::uint64_t outputCap);

/// Waits for every worker (killing them first if `kill`).
void reap(std::vector<Worker>& ws, bool kill);

enum class RunStatus { Done, TimedOut, NotStarted };

/// Starts one worker per `args` (ws[i].input is its stdin), drives them
/// until they end or `timeout` passes (killing them then), and reaps them:
/// spawn, pump and reap in one. In a job worker (core/broker.h) the broker
/// does it, and only for a `path` on its allow-list.
RunStatus runWorkers(std::vector<Worker>& ws, const std::string& path, const std::vector<std::vector<std::string>>& args,
                     std::chrono::milliseconds timeout, std::uint64_t outputCap);

/// The broker's side of runWorkers (operation "pdf").
std::optional<std::vector<std::string>> runWorkersForBroker(const std::vector<std::string_view>& request);

/// A failed RenderResult.
RenderResult failure(std::string code, std::string detail);

/// The worker's exit (signal, or a WorkerExit code) as a finding.
RenderResult fromExit(const Worker& w);

/// Vector mode (vector_client.cpp). `input` is the worker's stdin framing
/// (passwords, then the PDF).
RenderResult renderVector(const RenderOptions& o, const std::string& input);

}  // namespace mugai::sanitizers::pdf_rerender
