// One job (a mail or a file through the pipeline) as the parent sees it:
// what it sends a job worker (Request) and what comes back (Result). These
// types hold no parsed tree, only what the parent acts on and shows, so
// the processes that hold the spool, the quarantine and the network
// (mugaid, mugai) link none of the parsers (see core/job/pool.h for the
// process layout, core/job/codec.h for the bytes on the pipe).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/quarantine/store.h"

namespace mugai::job {

enum class Kind : std::uint8_t { Mail, File };
/// Which pipeline runs: the configured one, or the release policy
/// (`mugai quarantine release` sanitizes the original again under it).
/// Preview runs the release policy too and returns the text a reader
/// would see (Result::preview) for the console, not the message.
enum class Policy : std::uint8_t { Main, Release, Preview };

struct Request {
  Kind kind = Kind::Mail;
  Policy policy = Policy::Main;
  std::string id;                       ///< names the run (X-Mugai-Id, quarantine id)
  std::string name;                     ///< File: the path as given (its last component names the file)
  std::vector<std::string> passwords;   ///< tried on protected archives and documents
  std::string bytes;                    ///< the input
};

/// One node of the decided tree, flattened (tree order, root first).
struct Part {
  std::string path;        ///< "" = the root, else "1.2"
  std::string filename;    ///< as the sender named it ("" = none)
  std::string type;        ///< declared content type
  std::string action;      ///< "keep", "replace", "remove", "reject"
  std::string code;        ///< reason code ("" when kept)
  std::string reason;      ///< English
  std::string reasonJa;    ///< Japanese ("" when there is none)
  std::string decidedBy;   ///< the sanitizer that decided
  bool leaf = false;
};

struct Finding {
  std::string code, detail, nodePath;
  bool critical = false;
};

inline constexpr std::size_t kPreviewBytes = 64 * 1024;

struct Result {
  std::string id;
  std::string verdict = "unchanged";  ///< "unchanged", "changed", "rejected"
  bool asMail = false;                ///< File: processed as a mail message
  bool removed = false;               ///< File: nothing may be written, the notice instead
  std::string output;                 ///< rebuilt message / file bytes ("" when rejected or removed)
  std::string notice;                 ///< File: UTF-8 notice text when anything changed
  std::string subject, from, to;      ///< decoded header text (mail), for display and the index only
  std::string rootType;               ///< the input's detected type
  std::string newExtension;           ///< File: ".docx" when the pipeline renamed a ".docm", else ""
  std::vector<Part> parts;
  std::vector<Finding> findings;
  /// Policy::Preview, mail: the text parts as the release policy leaves
  /// them (HTML converted to text), UTF-8, at most kPreviewBytes.
  std::string preview;
  nlohmann::json report;
  double parseMs = 0, sanitizeMs = 0, rebuildMs = 0;

  bool changed() const { return verdict != "unchanged"; }
  bool rejected() const { return verdict == "rejected"; }
};

/// The quarantine index row for a finished job (reasons: codes of decided
/// parts and critical findings, once each). `envelopeFrom/To` come from
/// the parent (mugaid's SMTP envelope), never from the worker; empty
/// means the message's From/To for display.
quarantine::Item itemFor(const Result& r, const std::string& source, const std::string& filename,
                         const std::string& envelopeFrom = "", const std::vector<std::string>& envelopeTo = {},
                         bool envelopeRecorded = false);

}  // namespace mugai::job
