// See broker.h.
#include "core/broker.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "core/c_handles.h"
#include "core/job/codec.h"

namespace mugai::broker {
namespace {

struct State {
  std::map<std::string, Handler, std::less<>> handlers;
  std::set<std::pair<std::string, std::string>, std::less<>> programs;  // (op, path)
  UniqueFd socket;  // ours: to the broker (worker) or to the worker (broker)
  pid_t pid = -1;
  std::mutex mutex;
};

State& state() {
  static State s;
  return s;
}

bool sendMessage(int fd, const std::string& body) {
  std::string h;
  job::putLittleEndian(h, body.size(), 8);
  return job::writeAll(fd, h) && job::writeAll(fd, body);
}

bool receiveMessage(int fd, std::string& body) {
  char h[8];
  if (!job::readExact(fd, h, 8)) return false;
  const std::uint64_t n = job::getLittleEndian(h, 8);
  if (n > kMaxMessage) return false;
  body.clear();
  // Grown as bytes arrive, never to the length the other side claims.
  char buf[1 << 16];
  while (body.size() < n) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof buf, n - body.size()));
    if (!job::readExact(fd, buf, want)) return false;
    body.append(buf, want);
  }
  return true;
}

[[noreturn]] void serve(int fd) {
  for (std::string body;;) {
    if (!receiveMessage(fd, body)) ::_exit(0);  // the worker is gone
    std::vector<std::string_view> fields;
    std::optional<std::vector<std::string>> reply;
    if (unpack(body, fields) && !fields.empty()) {
      const auto it = state().handlers.find(fields[0]);
      if (it != state().handlers.end()) reply = it->second(std::vector<std::string_view>(fields.begin() + 1, fields.end()));
    }
    std::vector<std::string_view> out{reply ? "ok" : "refused"};
    if (reply)
      for (const auto& f : *reply) out.push_back(f);
    if (!sendMessage(fd, pack(out))) ::_exit(0);
  }
}

}  // namespace

void addHandler(std::string_view op, Handler handler) { state().handlers[std::string(op)] = handler; }
void allowProgram(std::string_view op, const std::string& path) {
  if (!path.empty()) state().programs.insert({std::string(op), path});
}
bool programAllowed(std::string_view op, const std::string& path) {
  return state().programs.contains(std::pair<std::string, std::string>(op, path));
}
bool active() { return state().pid > 0; }
pid_t pid() { return state().pid; }

std::string start() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return "socketpair failed";
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(sv[0]);
    ::close(sv[1]);
    return "fork failed";
  }
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::prctl(PR_SET_DUMPABLE, 0);
    // Only its socket (as fd 3) and 0-2 stay open; 0 and 1 are the
    // worker's job pipes, which the broker must not touch: /dev/null.
    if (::dup2(sv[1], 3) < 0) ::_exit(1);
    ::close_range(4, ~0U, 0);
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      if (null > 3) ::close(null);
    }
    state().pid = -1;  // its handlers start their helpers themselves
    serve(3);
  }
  ::close(sv[1]);
  state().socket = UniqueFd(sv[0]);
  state().pid = child;
  return "";
}

std::optional<std::vector<std::string>> call(std::string_view op, const std::vector<std::string_view>& request) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (s.pid <= 0 || !s.socket) return std::nullopt;
  std::vector<std::string_view> fields{op};
  fields.insert(fields.end(), request.begin(), request.end());
  std::string body;
  if (!sendMessage(s.socket.get(), pack(fields)) || !receiveMessage(s.socket.get(), body)) {
    s.socket.reset();  // it died: every later call fails closed too
    return std::nullopt;
  }
  std::vector<std::string_view> reply;
  if (!unpack(body, reply) || reply.empty() || reply[0] != "ok") return std::nullopt;
  return std::vector<std::string>(reply.begin() + 1, reply.end());
}

std::string pack(const std::vector<std::string_view>& fields) {
  std::size_t total = 4;
  for (auto f : fields) total += 8 + f.size();
  std::string s;
  s.reserve(total);
  job::putLittleEndian(s, fields.size(), 4);
  for (auto f : fields) {
    job::putLittleEndian(s, f.size(), 8);
    s += f;
  }
  return s;
}

bool unpack(std::string_view bytes, std::vector<std::string_view>& fields, std::size_t maxFields) {
  fields.clear();
  if (bytes.size() < 4) return false;
  const std::uint64_t n = job::getLittleEndian(bytes.data(), 4);
  if (n > maxFields) return false;
  bytes.remove_prefix(4);
  for (std::uint64_t i = 0; i < n; ++i) {
    if (bytes.size() < 8) return false;
    const std::uint64_t len = job::getLittleEndian(bytes.data(), 8);
    bytes.remove_prefix(8);
    if (len > bytes.size()) return false;
    fields.push_back(bytes.substr(0, len));
    bytes.remove_prefix(len);
  }
  return bytes.empty();
}

}  // namespace mugai::broker
