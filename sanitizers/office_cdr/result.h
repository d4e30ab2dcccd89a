// What each format cleaner of office_cdr gives back: the document as it
// was (nothing active in it), the document rebuilt without its active
// parts (and what was taken out), or a refusal (the whole file goes).
// One shape for OOXML, ODF, OLE2, RTF and the flat formats, so office_cdr.cpp
// turns every answer into a Decision the same way.
// Trust: every string in a Removal may quote hostile input (a part name, a
// field instruction); the notice and report mask it (display_text.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mugai::sanitizers::office_cdr {

/// One element taken out of a document (or, for a refusal, why the whole
/// file goes).
struct Removal {
  std::string code;      ///< stable finding code, e.g. "office.vba_removed"
  std::string where;     ///< part or place inside the document ("word/vbaProject.bin"); "" = the file
  std::string type;      ///< what it was: the part's content type, or e.g. "Word field" / "OLE2 storage"
  std::string detail;    ///< English, one line
  std::string detailJa;  ///< Japanese, one line
  std::uint64_t size = 0;  ///< bytes of the removed part, 0 when not a part of its own
};

enum class Outcome {
  Clean,    ///< nothing active found: delivered as it came, byte for byte
  Cleaned,  ///< rebuilt without the active parts: `bytes` is the new document
  Refuse,   ///< cannot be cleaned safely (encrypted, broken, over a limit, policy): removed whole
};

struct [[nodiscard]] Result {
  Outcome outcome = Outcome::Clean;
  std::string bytes;              ///< Cleaned: the rebuilt document
  std::vector<Removal> removals;  ///< Cleaned: each element taken out; Refuse: the reason(s), first is the main one
  std::string mimeType;           ///< Cleaned: media type of the rebuilt document ("" = unchanged)
  std::string extension;          ///< Cleaned: extension the delivered name must carry ("docx"), "" = keep the name

  static Result clean() { return {}; }
  static Result refuse(std::string code, std::string detail, std::string detailJa, std::string where = {}) {
    Result r;
    r.outcome = Outcome::Refuse;
    r.removals.push_back({std::move(code), std::move(where), "", std::move(detail), std::move(detailJa), 0});
    return r;
  }
};

/// Hyperlinks in documents (`hyperlinks`): kept, shown defanged, or removed
/// (the text stays, the link goes).
enum class LinkPolicy { Keep, Defang, Remove };

/// Legacy binary documents (.doc/.xls/.ppt) with active content (`legacy`).
enum class LegacyPolicy { Remove, Convert };

/// Password-protected documents (`encrypted`): removed, or opened with the
/// message's passwords and delivered without protection (decrypt.h).
enum class EncryptedPolicy { Remove, Password };

/// Options of [stage.office_cdr], immutable once built (config.cpp).
struct Options {
  LinkPolicy hyperlinks = LinkPolicy::Remove;
  LegacyPolicy legacy = LegacyPolicy::Remove;
  EncryptedPolicy encrypted = EncryptedPolicy::Remove;
  /// Parts (ZIP entries) in one OOXML/ODF package; more refuses it.
  std::size_t maxParts = 10000;
  /// Bytes inflated from one part; more refuses the document.
  std::uint64_t maxPartBytes = 100ull << 20;
  /// Inflated / compressed ratio of one part, checked past 1 MiB (bombs).
  std::uint64_t maxRatio = 200;
  /// legacy = "convert": LibreOffice's soffice ("" = /usr/bin/soffice or PATH).
  std::string soffice;
  /// legacy = "convert": seconds one conversion may take (also bounded by
  /// the input's own deadline).
  std::uint32_t convertTimeoutSeconds = 60;
  /// encrypted = "password": seconds one document's decryption (all its
  /// candidate passwords) may take, also bounded by the input's deadline.
  std::uint32_t decryptTimeoutSeconds = 30;
};

}  // namespace mugai::sanitizers::office_cdr
