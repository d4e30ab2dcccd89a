// See rows.h.
#include "core/quarantine/rows.h"

#include <nlohmann/json.hpp>

namespace mugai::quarantine::rows {

std::string jsonText(const std::vector<std::string>& v) {
  return nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> jsonStrings(const std::string& text) {
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_array())
    for (const auto& v : j)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::string envelopeJson(const Envelope& envelope) {
  return nlohmann::json{{"from", envelope.from}, {"to", envelope.to}}.dump(-1, ' ', false,
                                                                          nlohmann::json::error_handler_t::replace);
}

std::optional<Envelope> envelopeFrom(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_object() && j.value("from", nlohmann::json()).is_string() && j.value("to", nlohmann::json()).is_array())
    return Envelope{j["from"].get<std::string>(), jsonStrings(j["to"].dump())};
  return std::nullopt;
}

std::vector<std::string> splitReasons(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t sp = text.find(' ', i);
    if (sp == std::string::npos) sp = text.size();
    if (sp > i) out.push_back(text.substr(i, sp - i));
    i = sp + 1;
  }
  return out;
}

std::string likeContaining(const std::string& text) {
  std::string p = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') p += '\\';
    p += c;
  }
  return p + "%";
}

std::string storedBefore(const Item& item, const std::string& storedId, const std::string& storedSha256) {
  if (storedSha256 == item.sha256) return storedId;
  if (storedId == item.id) throw StoreError("item id " + item.id + " was stored before with another original");
  throw StoreError("origin " + item.origin + " was stored before with another original (item " + storedId + ")");
}

}  // namespace mugai::quarantine::rows
