// See codec.h.
#include "core/job/codec.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mugai::job {
namespace {

using nlohmann::json;
constexpr std::string_view kTags[] = {"MJSU", "MJOK", "MJER", "MJJB", "MJRS"};

// JSON from the other side: no deeper than kMaxJsonDepth (a deep document
// would otherwise cost stack and time), never an exception.
bool parseJson(std::string_view text, json& out, std::string& error) {
  const json::parser_callback_t depthCap = [](int depth, json::parse_event_t, json&) {
    if (depth > kMaxJsonDepth) throw std::length_error("JSON nested too deep");
    return true;
  };
  try {
    out = json::parse(text.begin(), text.end(), depthCap);
    return true;
  } catch (const std::exception& e) {
    error = std::string("bad JSON: ") + e.what();
    return false;
  }
}

std::string dumped(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// u32 JSON length + JSON + the rest, after `prefix`.
std::string withBlob(const json& meta, std::string_view blob, std::string s = {}) {
  const std::string m = dumped(meta);
  s.reserve(s.size() + 4 + m.size() + blob.size());
  putLittleEndian(s, m.size(), 4);
  s += m;
  s += blob;
  return s;
}

bool splitBlob(std::string_view payload, json& meta, std::string_view& blob, std::string& error) {
  if (payload.size() < 4) return error = "payload too short", false;
  const std::uint64_t n = getLittleEndian(payload.data(), 4);
  if (n > payload.size() - 4) return error = "JSON length past the payload", false;
  if (n > kMaxJsonBytes) return error = "JSON larger than " + std::to_string(kMaxJsonBytes) + " bytes", false;
  if (!parseJson(payload.substr(4, n), meta, error)) return false;
  if (!meta.is_object()) return error = "JSON is not an object", false;
  blob = payload.substr(4 + n);
  return true;
}

// Typed field access that reports instead of throwing.
template <class T>
bool field(const json& j, const char* key, T& out, std::string& error) {
  const auto it = j.find(key);
  if (it == j.end()) return error = std::string("missing ") + key, false;
  try {
    out = it->get<T>();
    return true;
  } catch (const std::exception&) {
    return error = std::string("wrong type for ") + key, false;
  }
}

bool validCode(std::string_view s, bool mayBeEmpty = false) {
  if (s.empty()) return mayBeEmpty;
  if (s.size() > kMaxCodeBytes) return false;
  for (char c : s)
    if (!codeChar(c)) return false;
  return true;
}

// ".docx": what a file is renamed to, so never a path.
bool validExtension(std::string_view s) {
  if (s.empty()) return true;
  if (s.size() < 2 || s.size() > 9 || s[0] != '.') return false;
  for (char c : s.substr(1))
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

}  // namespace

bool codeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' ||
         c == ':';
}

std::string asCode(std::string_view s) {
  std::string out(s.substr(0, kMaxCodeBytes));
  for (char& c : out)
    if (!codeChar(c)) c = '_';
  return out;
}

void putLittleEndian(std::string& s, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::uint64_t getLittleEndian(const char* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

std::string frameHeader(Tag tag, std::uint64_t length) {
  std::string h(kTags[static_cast<int>(tag)]);
  putLittleEndian(h, length, 8);
  return h;
}

Tag parseHeader(const char (&header)[kFrameHeaderBytes], std::uint64_t& length) {
  length = getLittleEndian(header + 4, 8);
  const std::string_view t(header, 4);
  for (int i = 0; i < 5; ++i)
    if (t == kTags[i]) return static_cast<Tag>(i);
  return Tag::Unknown;
}

std::string encodeSetup(const Setup& s) {
  json texts = json::array();
  for (const auto& t : s.texts) texts.push_back(json{{"name", t.name}, {"text", t.text}});
  return dumped(json{{"source", s.source}, {"texts", texts}, {"quarantine_enabled", s.quarantineEnabled},
                     {"quarantine_dir", s.quarantineDir}, {"console_key", s.consoleKey}});
}

bool decodeSetup(std::string_view payload, Setup& s, std::string& error) {
  json j;
  if (!parseJson(payload, j, error)) return false;
  if (!field(j, "source", s.source, error) || !field(j, "quarantine_enabled", s.quarantineEnabled, error) ||
      !field(j, "quarantine_dir", s.quarantineDir, error) || !field(j, "console_key", s.consoleKey, error))
    return false;
  const auto texts = j.find("texts");
  if (texts == j.end() || !texts->is_array()) {
    error = "setup: texts must be an array";
    return false;
  }
  s.texts.clear();
  for (const auto& t : *texts) {
    ConfigText ct;
    if (!t.is_object() || !field(t, "name", ct.name, error) || !field(t, "text", ct.text, error)) return false;
    s.texts.push_back(std::move(ct));
  }
  return true;
}

namespace {
json requestMeta(const Request& r) {
  return json{{"kind", r.kind == Kind::Mail ? "mail" : "file"},
              {"policy", r.policy == Policy::Main ? "main" : r.policy == Policy::Release ? "release" : "preview"},
              {"id", r.id},
              {"name", r.name},
              {"passwords", r.passwords}};
}
}  // namespace

std::string encodeRequest(const Request& r) { return withBlob(requestMeta(r), r.bytes); }

std::string encodeRequestFrame(const Request& r) {
  const json meta = requestMeta(r);
  const std::size_t length = 4 + dumped(meta).size() + r.bytes.size();
  return withBlob(meta, r.bytes, frameHeader(Tag::Job, length));
}

bool decodeRequest(std::string_view payload, Request& r, std::string& error) {
  json j;
  std::string_view blob;
  if (!splitBlob(payload, j, blob, error)) return false;
  std::string kind, policy;
  if (!field(j, "kind", kind, error) || !field(j, "policy", policy, error) || !field(j, "id", r.id, error) ||
      !field(j, "name", r.name, error) || !field(j, "passwords", r.passwords, error))
    return false;
  if ((kind != "mail" && kind != "file") || (policy != "main" && policy != "release" && policy != "preview"))
    return error = "unknown kind or policy", false;
  r.kind = kind == "mail" ? Kind::Mail : Kind::File;
  r.policy = policy == "main" ? Policy::Main : policy == "release" ? Policy::Release : Policy::Preview;
  r.bytes.assign(blob);
  return true;
}

std::string encodeResult(const Result& r) {
  json parts = json::array();
  for (const Part& p : r.parts)
    parts.push_back({{"path", p.path}, {"filename", p.filename}, {"type", p.type}, {"action", p.action},
                     {"code", p.code}, {"reason", p.reason}, {"reason_ja", p.reasonJa}, {"decided_by", p.decidedBy},
                     {"leaf", p.leaf}});
  json findings = json::array();
  for (const Finding& f : r.findings)
    findings.push_back({{"code", f.code}, {"detail", f.detail}, {"node_path", f.nodePath}, {"critical", f.critical}});
  return withBlob(json{{"id", r.id},
                       {"verdict", r.verdict},
                       {"as_mail", r.asMail},
                       {"removed", r.removed},
                       {"notice", r.notice},
                       {"preview", r.preview},
                       {"subject", r.subject},
                       {"from", r.from},
                       {"to", r.to},
                       {"root_type", r.rootType},
                       {"new_extension", r.newExtension},
                       {"parts", std::move(parts)},
                       {"findings", std::move(findings)},
                       {"report", r.report},
                       {"ms", {r.parseMs, r.sanitizeMs, r.rebuildMs}}},
                  r.output);
}

bool decodeResult(std::string_view payload, Result& r, std::string& error) {
  json j;
  std::string_view blob;
  if (!splitBlob(payload, j, blob, error)) return false;
  json parts, findings;
  std::vector<double> ms;
  if (!field(j, "id", r.id, error) || !field(j, "verdict", r.verdict, error) || !field(j, "as_mail", r.asMail, error) ||
      !field(j, "removed", r.removed, error) || !field(j, "notice", r.notice, error) ||
      !field(j, "preview", r.preview, error) ||
      !field(j, "subject", r.subject, error) || !field(j, "from", r.from, error) || !field(j, "to", r.to, error) ||
      !field(j, "root_type", r.rootType, error) || !field(j, "new_extension", r.newExtension, error) ||
      !field(j, "parts", parts, error) || !field(j, "findings", findings, error) || !field(j, "ms", ms, error))
    return false;
  if (r.verdict != "unchanged" && r.verdict != "changed" && r.verdict != "rejected")
    return error = "unknown verdict", false;
  if (!validExtension(r.newExtension)) return error = "new_extension is not an extension", false;
  if (!parts.is_array() || !findings.is_array() || ms.size() != 3) return error = "malformed parts, findings or ms", false;
  for (const json& p : parts) {
    Part x;
    if (!p.is_object() || !field(p, "path", x.path, error) || !field(p, "filename", x.filename, error) ||
        !field(p, "type", x.type, error) || !field(p, "action", x.action, error) || !field(p, "code", x.code, error) ||
        !field(p, "reason", x.reason, error) || !field(p, "reason_ja", x.reasonJa, error) ||
        !field(p, "decided_by", x.decidedBy, error) || !field(p, "leaf", x.leaf, error))
      return error = "part: " + error, false;
    if (x.action != "keep" && x.action != "replace" && x.action != "remove" && x.action != "reject")
      return error = "part: unknown action", false;
    if (!validCode(x.code, true) || !validCode(x.decidedBy, true))
      return error = "part: code or decided_by is not a code", false;
    r.parts.push_back(std::move(x));
  }
  for (const json& f : findings) {
    Finding x;
    if (!f.is_object() || !field(f, "code", x.code, error) || !field(f, "detail", x.detail, error) ||
        !field(f, "node_path", x.nodePath, error) || !field(f, "critical", x.critical, error))
      return error = "finding: " + error, false;
    if (!validCode(x.code, true)) return error = "finding: code is not a code", false;
    r.findings.push_back(std::move(x));
  }
  if (const auto it = j.find("report"); it != j.end()) r.report = std::move(*it);
  r.parseMs = ms[0];
  r.sanitizeMs = ms[1];
  r.rebuildMs = ms[2];
  r.output.assign(blob);
  return true;
}

bool writeAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t k = ::write(fd, bytes.data(), bytes.size());
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(k));
  }
  return true;
}

bool readExact(int fd, char* out, std::size_t n) {
  while (n > 0) {
    const ssize_t k = ::read(fd, out, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    out += k;
    n -= static_cast<std::size_t>(k);
  }
  return true;
}

}  // namespace mugai::job
