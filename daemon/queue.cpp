// See queue.h.
#include "daemon/queue.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "core/c_handles.h"

#include "core/clock.h"
#include "core/durable_file.h"
#include "core/ids.h"

namespace mugai::daemon {
namespace fs = std::filesystem;
namespace {

constexpr std::uint64_t kMaxQueueFile = 1ull << 34;  // 16 GiB: far above any message limit

std::string envelopeLine(const Envelope& e, std::int64_t receivedAt) {
  nlohmann::json j{{"helo", e.helo}, {"from", e.mailFrom}, {"to", e.recipients}, {"8bit", e.eightBit},
                   {"smtputf8", e.smtpUtf8}, {"peer", e.peer}, {"received", receivedAt}, {"tls", e.tls},
                   {"dsn", e.dsn}, {"trusted", e.trustedClient}, {"tlsinfo", e.tlsInfo}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

bool validQueueId(std::string_view id) { return validId(id); }  // queue ids are run ids

Queue::Queue(std::string dir)
    : dir_(std::move(dir)),
      incomingSync_((fs::path(dir_) / "incoming").string()),
      outgoingSync_((fs::path(dir_) / "outgoing").string()),
      stateSync_((fs::path(dir_) / "state").string()) {
  std::error_code ec;
  for (const char* sub : {"tmp", "incoming", "outgoing", "state"}) {
    fs::create_directories(fs::path(dir_) / sub, ec);
    if (ec) throw QueueError("cannot create spool directory " + (fs::path(dir_) / sub).string() + ": " + ec.message());
  }
}

std::string Queue::path(Stage stage, const std::string& id) const {
  if (!validQueueId(id)) throw QueueError("invalid queue id \"" + id + "\"");
  return (fs::path(dir_) / (stage == Stage::Incoming ? "incoming" : "outgoing") / id).string();
}

void Queue::writeDurably(const std::string& finalPath, std::string_view bytes, DirectorySync& dir, bool createNew) {
  // The temporary file goes beside the target (".../ID.tmp-PID-N"): a
  // rename inside one directory locks only that directory, where one across
  // two serialises every writer on both.
  WriteOptions o;
  o.syncDirectory = false;  // shared below
  o.createNew = createNew;
  if (std::string e = writeFileDurably(finalPath, bytes, o); !e.empty()) throw QueueError(e);
  if (std::string e = dir.sync(); !e.empty()) {
    // Not durable, and the caller reports a failure: the file must not
    // live on to be acted on (a client told 452 sends it again).
    std::error_code ec;
    fs::remove(finalPath, ec);
    throw QueueError(e);
  }
}

std::string Queue::receive(const Envelope& envelope, std::string_view data) {
  std::string id = validQueueId(envelope.id) ? envelope.id : newId();
  std::string bytes = envelopeLine(envelope, epochSeconds());
  bytes.append(data);
  writeDurably(path(Stage::Incoming, id), bytes, incomingSync_, true);
  return id;
}

// A body that went to disk while it arrived: the incoming file is built
// from the envelope line and a kernel-side copy of the spill file, never
// read into memory. Unnamed (O_TMPFILE), fsync'ed, then linked into place.
std::string Queue::receive(const Envelope& envelope, const MessageBody& body) {
  if (body.inMemory()) return receive(envelope, body.memory());
  const std::string id = validQueueId(envelope.id) ? envelope.id : newId();
  const std::string target = path(Stage::Incoming, id);
  const std::string dir = (fs::path(dir_) / "incoming").string();
  UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0640));
  std::string named;  // without O_TMPFILE: a temporary name beside the target (recover() removes it after a crash)
  if (!fd && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    named = target + ".tmp-" + std::to_string(::getpid()) + "-XXXXXX";
    fd.reset(::mkostemp(named.data(), O_CLOEXEC));
  }
  if (!fd) throw QueueError("cannot create a file in " + dir + ": " + std::strerror(errno));
  struct Unlink {
    std::string& path;
    ~Unlink() {
      if (!path.empty()) ::unlink(path.c_str());
    }
  } unlinkTemporary{named};
  const std::string head = envelopeLine(envelope, epochSeconds());
  for (std::size_t done = 0; done < head.size();) {
    ssize_t n = ::write(fd.get(), head.data() + done, head.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw QueueError("cannot write " + target + ": " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  loff_t from = 0;
  while (static_cast<std::uint64_t>(from) < body.size()) {
    ssize_t n = ::copy_file_range(body.fd(), &from, fd.get(), nullptr, body.size() - static_cast<std::uint64_t>(from), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw QueueError("cannot copy the message into " + target + ": " + (n == 0 ? "short file" : std::strerror(errno)));
  }
  if (::fsync(fd.get()) != 0) throw QueueError("cannot fsync " + target + ": " + std::strerror(errno));
  const std::string self = "/proc/self/fd/" + std::to_string(fd.get());
  if (named.empty() ? ::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, target.c_str(), AT_SYMLINK_FOLLOW) != 0
                    : ::link(named.c_str(), target.c_str()) != 0)
    throw QueueError("cannot link " + target + ": " + std::strerror(errno));
  if (std::string e = incomingSync_.sync(); !e.empty()) {
    std::error_code ec;
    fs::remove(target, ec);
    throw QueueError(e);
  }
  return id;
}

std::string Queue::submitOutgoing(const Envelope& envelope, std::string_view data, std::string id) {
  if (id.empty()) id = newId();
  std::string bytes = envelopeLine(envelope, epochSeconds());
  bytes.append(data);
  writeDurably(path(Stage::Outgoing, id), bytes, outgoingSync_, true);
  return id;
}

void Queue::promote(const QueuedMessage& sanitized) {
  std::string bytes = envelopeLine(sanitized.envelope, sanitized.receivedAt);
  bytes.append(sanitized.data);
  writeDurably(path(Stage::Outgoing, sanitized.id), bytes, outgoingSync_);
  remove(sanitized.id, Stage::Incoming);
}

void Queue::remove(const std::string& id, Stage stage) {
  std::error_code ec;
  fs::remove(path(stage, id), ec);
  if (stage == Stage::Outgoing) fs::remove(fs::path(dir_) / "state" / id, ec);
}

QueuedMessage Queue::load(const std::string& id, Stage stage) const {
  std::string bytes;
  if (std::string e = readWholeFile(path(stage, id), bytes, kMaxQueueFile); !e.empty())
    throw QueueError("cannot read queue file " + id + ": " + e);
  std::size_t nl = bytes.find('\n');
  auto j = nlohmann::json::parse(bytes.substr(0, nl == std::string::npos ? 0 : nl), nullptr, false);
  if (nl == std::string::npos || !j.is_object()) throw QueueError("queue file " + id + " has no envelope line");
  QueuedMessage m;
  m.id = id;
  m.envelope.helo = j.value("helo", "");
  m.envelope.mailFrom = j.value("from", "");
  m.envelope.recipients = j.value("to", std::vector<std::string>{});
  m.envelope.eightBit = j.value("8bit", false);
  m.envelope.smtpUtf8 = j.value("smtputf8", false);
  m.envelope.peer = j.value("peer", "");
  m.envelope.tls = j.value("tls", false);
  m.envelope.dsn = j.value("dsn", false);
  m.envelope.trustedClient = j.value("trusted", false);
  m.envelope.tlsInfo = j.value("tlsinfo", "");
  m.envelope.id = id;
  m.receivedAt = j.value("received", std::int64_t{0});
  m.data = bytes.substr(nl + 1);
  return m;
}

std::vector<std::string> Queue::list(Stage stage) const {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(dir_) / (stage == Stage::Incoming ? "incoming" : "outgoing"), ec)) {
    std::string name = e.path().filename().string();
    if (validQueueId(name)) ids.push_back(name);  // anything else is not ours to touch
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

DeliveryState Queue::state(const std::string& id) const {
  DeliveryState s;
  std::string bytes;
  if (!validQueueId(id) || !readWholeFile((fs::path(dir_) / "state" / id).string(), bytes, 1 << 20).empty()) return s;
  auto j = nlohmann::json::parse(bytes, nullptr, false);
  if (!j.is_object()) return s;
  s.attempts = j.value("attempts", 0);
  s.nextAttempt = j.value("next", std::int64_t{0});
  s.lastError = j.value("error", "");
  s.delivered = j.value("delivered", std::vector<std::string>{});
  return s;
}

void Queue::saveState(const std::string& id, const DeliveryState& s) {
  if (!validQueueId(id)) throw QueueError("invalid queue id \"" + id + "\"");
  nlohmann::json j{{"attempts", s.attempts}, {"next", s.nextAttempt}, {"error", s.lastError}, {"delivered", s.delivered}};
  writeDurably((fs::path(dir_) / "state" / id).string(), j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
               stateSync_);
}

std::size_t Queue::recover() {
  std::size_t removed = 0;
  std::error_code ec;
  for (const char* sub : {"tmp", "incoming", "outgoing", "state"})
    for (const auto& e : fs::directory_iterator(fs::path(dir_) / sub, ec))
      if ((std::string_view(sub) == "tmp" || e.path().filename().string().find(".tmp-") != std::string::npos) &&
          fs::remove(e.path(), ec))
        ++removed;
  // Sanitized already: the incoming copy is the older form.
  for (const auto& id : list(Stage::Outgoing))
    if (fs::exists(path(Stage::Incoming, id), ec)) remove(id, Stage::Incoming);
  return removed;
}

}  // namespace mugai::daemon
