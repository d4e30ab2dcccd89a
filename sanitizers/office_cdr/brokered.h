// office_cdr's helpers through the job worker's broker (brokered.cpp).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sanitizers/office_cdr/convert.h"
#include "sanitizers/office_cdr/decrypt.h"

namespace mugai::sanitizers::office_cdr {

/// convertToOoxml / decryptOffice, run by the broker (core/broker.h).
Converted convertThroughBroker(std::string_view legacy, LegacyKind kind, const std::string& soffice,
                               std::chrono::milliseconds timeout);
Decrypted decryptThroughBroker(std::string_view encrypted, const std::vector<std::string>& passwords,
                               std::chrono::milliseconds timeout, bool assumeNoNamespaces);

/// The broker's handlers: "office.convert" and "office.decrypt".
std::optional<std::vector<std::string>> convertForBroker(const std::vector<std::string_view>& request);
std::optional<std::vector<std::string>> decryptForBroker(const std::vector<std::string_view>& request);

}  // namespace mugai::sanitizers::office_cdr
