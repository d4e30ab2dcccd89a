// See selftest.h.
#include "worker/selftest.h"

#ifdef MUGAI_WORKER_SELFTEST
#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "core/job/codec.h"
#endif

namespace mugai::worker {

#ifdef MUGAI_WORKER_SELFTEST
namespace {

// The escape: a "result" the parent would deliver.
[[noreturn]] void escaped(std::string_view what) {
  job::Result r;
  r.output = "SELFTEST-ESCAPED " + std::string(what) + "\r\n";
  const std::string payload = job::encodeResult(r);
  job::writeAll(1, job::frameHeader(job::Tag::Result, payload.size()));
  job::writeAll(1, payload);
  ::_exit(0);
}

}  // namespace

void runSelftest(std::string_view bytes) {
  constexpr std::string_view kKey = "X-Mugai-Selftest: ";
  const std::size_t at = bytes.find(kKey);
  if (at == std::string_view::npos) return;
  std::string_view what = bytes.substr(at + kKey.size());
  what = what.substr(0, what.find_first_of("\r\n"));
  const std::string w(what);
  if (w.starts_with("open:") || w == "shadow") {
    const std::string path = w == "shadow" ? "/etc/shadow" : w.substr(5);
    if (::open(path.c_str(), O_RDONLY) >= 0) escaped(w);
  } else if (w == "write") {
    if (::open("/tmp/mugai-selftest-escaped", O_WRONLY | O_CREAT, 0600) >= 0) escaped(w);
  } else if (w == "socket") {
    if (::socket(AF_INET, SOCK_STREAM, 0) >= 0) escaped(w);
  } else if (w == "execve") {
    char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
    ::execve("/bin/true", argv, nullptr);
  } else if (w == "fork") {
    const pid_t p = ::fork();
    if (p == 0) ::_exit(0);
    if (p > 0) escaped(w);
  } else if (w == "ptrace") {
    if (::ptrace(PTRACE_ATTACH, ::getppid(), nullptr, nullptr) == 0) escaped(w);
  } else if (w == "crash") {
    volatile int* p = nullptr;
    *p = 1;
  } else if (w == "hang") {
    for (volatile unsigned long i = 0;; i = i + 1) {
    }
  } else {
    return;
  }
  ::_exit(kSelftestDenied);
}
#else
void runSelftest(std::string_view) {}
#endif

}  // namespace mugai::worker
