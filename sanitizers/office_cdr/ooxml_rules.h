// The rules of the OOXML cleaner, as tables: which content types and
// relationship types are active, which field instructions are harmless,
// which macro-enabled main types have a macro-free twin. Kept apart from
// ooxml.cpp so the policy reads in one place.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mugai::sanitizers::office_cdr {

/// Why a part (by content type, relationship type or name) must go:
/// a finding code, English and Japanese wording; nullopt when it may stay.
struct PartVerdict {
  const char* code;
  const char* en;
  const char* ja;
};
std::optional<PartVerdict> activePart(std::string_view contentType, std::string_view relType, std::string_view name);

/// A relationship type that must go even when it points inside the
/// package (templates, frames, sub-documents, altChunk...).
std::optional<PartVerdict> activeRelationship(std::string_view relType);

/// Whether a relationship type is a hyperlink (policy `hyperlinks`).
bool isHyperlinkRelationship(std::string_view relType);

/// For a Word field instruction: nullopt when the field is harmless
/// (PAGE, TOC, REF, DATE, ...), else the finding (DDE -> office.dde_removed,
/// INCLUDE*/IMPORT/LINK and any unknown field -> office.field_removed,
/// HYPERLINK -> office.hyperlink_removed).
std::optional<PartVerdict> activeField(std::string_view instruction);

/// The macro-free main content type for a macro-enabled one, with the
/// extension the file then carries; nullopt when `mainType` has no macros.
struct MacroFree {
  const char* mainType;
  const char* extension;
  const char* mimeType;
};
std::optional<MacroFree> macroFreeTwin(std::string_view mainType);

/// The extension a macro-enabled one becomes ("docm" -> "docx", any case
/// in, lower case out); "" for any other extension.
std::string macroFreeExtension(std::string_view extension);

/// Whether a binary part (not XML) of this type may stay: pictures,
/// media, fonts, printer settings, thumbnails.
bool harmlessBinaryType(std::string_view contentType);

/// Whether an Excel formula holds a DDE reference (a '|' outside string
/// literals: =cmd|' /c calc'!A0).
bool isDdeFormula(std::string_view formula);

/// Whether a defined name runs on open (Auto_Open, Auto_Close, ...).
bool isAutoRunName(std::string_view name);

}  // namespace mugai::sanitizers::office_cdr
