// [stage.office_cdr]: hyperlinks, legacy, encrypted, soffice, convert_timeout_seconds,
// max_parts, max_part_bytes, max_ratio (README "office_cdr").
#include "core/broker.h"
#include "core/config.h"
#include "sanitizers/office_cdr/convert.h"
#include "sanitizers/office_cdr/office_cdr.h"

namespace mugai::sanitizers::office_cdr {

Options parseOptions(const toml::table& t, const std::string& source) {
  checkKeys(t, {"hyperlinks", "legacy", "encrypted", "soffice", "convert_timeout_seconds", "max_parts", "max_part_bytes", "max_ratio"},
            source, "stage.office_cdr");
  Options o;
  const std::string links = readChoice(t, "hyperlinks", "remove", {"keep", "defang", "remove"}, source);
  o.hyperlinks = links == "keep" ? LinkPolicy::Keep : links == "defang" ? LinkPolicy::Defang : LinkPolicy::Remove;
  o.legacy = readChoice(t, "legacy", "remove", {"remove", "convert"}, source) == "remove" ? LegacyPolicy::Remove
                                                                                          : LegacyPolicy::Convert;
  o.encrypted = readChoice(t, "encrypted", "remove", {"remove", "password"}, source) == "password" ? EncryptedPolicy::Password
                                                                                                 : EncryptedPolicy::Remove;
  o.soffice = readString(t, "soffice", "", source);
  o.convertTimeoutSeconds = readInt(t, "convert_timeout_seconds", o.convertTimeoutSeconds, 1, 3600, source);
  // Said at start rather than found out on the first legacy document (each
  // of which would then be removed as office.convert_failed).
  if (o.legacy == LegacyPolicy::Convert && findSoffice(o.soffice).empty())
    throw ConfigError(source + ": [stage.office_cdr] legacy = \"convert\" needs LibreOffice, but " +
                      (o.soffice.empty() ? std::string("no soffice was found in /usr/bin or PATH")
                                         : "soffice = \"" + o.soffice + "\" is not an absolute path to a program") +
                      " (LibreOffice が見つかりません)");
  // A job worker's broker runs this soffice and no other (core/broker.h).
  if (o.legacy == LegacyPolicy::Convert) broker::allowProgram("office.convert", findSoffice(o.soffice));
  o.maxParts = readInt(t, "max_parts", o.maxParts, 1, 1'000'000, source);
  o.maxPartBytes = readInt(t, "max_part_bytes", o.maxPartBytes, 1024, 1ll << 40, source);
  o.maxRatio = readInt(t, "max_ratio", o.maxRatio, 2, 1'000'000, source);
  return o;
}

void registerFactory(SanitizerRegistry& registry) {
  registry.add("office_cdr", [](const toml::table& t, const std::string& source) -> SanitizerPtr {
    return std::make_unique<OfficeCdr>(parseOptions(t, source));
  });
}

}  // namespace mugai::sanitizers::office_cdr
