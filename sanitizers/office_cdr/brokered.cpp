// office_cdr's two helpers (LibreOffice for legacy = "convert", python3
// msoffcrypto for encrypted = "password") when running in a job worker:
// the sandbox there forbids starting programs and writing files, so the
// broker (core/broker.h) runs convertToOoxml / decryptOffice for it. The
// document goes over as bytes, and the answer comes back as bytes for
// cleanOoxml to judge, exactly as when run in-process.
#include "sanitizers/office_cdr/brokered.h"

#include <cstdlib>

#include "core/broker.h"

namespace mugai::sanitizers::office_cdr {

Converted convertThroughBroker(std::string_view legacy, LegacyKind kind, const std::string& soffice,
                               std::chrono::milliseconds timeout) {
  const std::string k = std::to_string(static_cast<int>(kind)), ms = std::to_string(timeout.count());
  const auto reply = broker::call("office.convert", {k, soffice, ms, legacy});
  Converted c;
  if (!reply || reply->size() != 4) {
    c.detail = "the broker refused or failed the conversion";
    return c;
  }
  c.ok = (*reply)[0] == "1";
  c.timedOut = (*reply)[1] == "1";
  c.detail = std::move((*reply)[2]);
  c.bytes = std::move((*reply)[3]);
  return c;
}

std::optional<std::vector<std::string>> convertForBroker(const std::vector<std::string_view>& r) {
  if (r.size() != 4) return std::nullopt;
  const int kind = std::atoi(std::string(r[0]).c_str());
  const std::string soffice(r[1]);
  const long long ms = std::atoll(std::string(r[2]).c_str());
  // Only the soffice the config named, whatever the request says.
  if (kind < 0 || kind > 2 || ms < 1 || ms > 3'600'000 || !broker::programAllowed("office.convert", soffice)) return std::nullopt;
  Converted c = convertToOoxml(r[3], static_cast<LegacyKind>(kind), soffice, std::chrono::milliseconds(ms));
  return std::vector<std::string>{c.ok ? "1" : "0", c.timedOut ? "1" : "0", std::move(c.detail), std::move(c.bytes)};
}

Decrypted decryptThroughBroker(std::string_view encrypted, const std::vector<std::string>& passwords,
                               std::chrono::milliseconds timeout, bool assumeNoNamespaces) {
  const std::string ms = std::to_string(timeout.count());
  const std::string list = broker::pack(std::vector<std::string_view>(passwords.begin(), passwords.end()));
  const auto reply = broker::call("office.decrypt", {ms, assumeNoNamespaces ? "1" : "0", list, encrypted});
  Decrypted d;
  if (!reply || reply->size() != 4) {
    d.detail = "the broker refused or failed the decryption";
    return d;
  }
  const int status = std::atoi((*reply)[0].c_str());
  d.status = status >= 0 && status <= 3 ? static_cast<Decrypted::Status>(status) : Decrypted::Status::CouldNotTry;
  d.timedOut = (*reply)[1] == "1";
  d.detail = std::move((*reply)[2]);
  d.bytes = std::move((*reply)[3]);
  return d;
}

std::optional<std::vector<std::string>> decryptForBroker(const std::vector<std::string_view>& r) {
  if (r.size() != 4) return std::nullopt;
  const long long ms = std::atoll(std::string(r[0]).c_str());
  std::vector<std::string_view> list;
  if (ms < 1 || ms > 3'600'000 || !broker::unpack(r[2], list, kMaxPasswordTries * 4)) return std::nullopt;
  Decrypted d = decryptOffice(r[3], std::vector<std::string>(list.begin(), list.end()), std::chrono::milliseconds(ms),
                              r[1] == "1");
  return std::vector<std::string>{std::to_string(static_cast<int>(d.status)), d.timedOut ? "1" : "0", std::move(d.detail),
                                  std::move(d.bytes)};
}

}  // namespace mugai::sanitizers::office_cdr
