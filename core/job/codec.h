// The bytes between a parent (mugaid, mugai) and a job worker: frames on
// the worker's stdin and stdout.
//
//   frame   = tag (4 bytes) + payload length (u64, little endian) + payload
//   setup   = "MJSU": JSON {source, texts: [{name, text}], quarantine_enabled, quarantine_dir}  parent -> worker, once
//   ready   = "MJOK": empty                                                    worker -> parent
//   error   = "MJER": UTF-8 text (a config error, or why it cannot start)      worker -> parent
//   job     = "MJJB": u32 JSON length + JSON {kind, policy, id, name, passwords} + the input bytes
//   result  = "MJRS": u32 JSON length + JSON (job::Result but output) + the output bytes
//
// The parent checks every frame a worker sends as hostile: the tag, a
// length under the cap it set, JSON no larger than kMaxJsonBytes and no
// deeper than kMaxJsonDepth, every field of the right type, codes and
// sanitizer names of [A-Za-z0-9_.:-] only (they reach log lines, metric labels
// and the index), a new extension that is an extension. Free text (reasons,
// names, subjects) is escaped wherever it is shown. Anything else is a
// protocol error, and the job fails closed (the worker is killed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_text.h"
#include "core/job/job.h"

namespace mugai::job {

constexpr std::size_t kFrameHeaderBytes = 12;
constexpr int kMaxJsonDepth = 256;
/// A result's JSON (parts, findings, report; the output bytes are apart):
/// parsing costs up to ~20x its size in the parent, so it is bounded.
constexpr std::uint64_t kMaxJsonBytes = 16ull << 20;

enum class Tag : std::uint8_t { Setup, Ready, Error, Job, Result, Unknown };

constexpr std::size_t kMaxCodeBytes = 96;
/// A character a reason or finding code, or a sanitizer's name, may hold.
bool codeChar(char c);
/// `s` as a code: other characters become '_' (a code that names a header
/// parameter, "header.param.duplicate:NAME", carries the sender's text).
std::string asCode(std::string_view s);

struct Setup {
  std::string source;       ///< where the config came from ("(built-in defaults)" = no text)
  /// The config files' texts in merge order (none = the built-in defaults):
  /// the worker merges and checks them as the parent did (parseConfigTexts).
  std::vector<ConfigText> texts;
  bool quarantineEnabled = true;
  std::string quarantineDir;
  std::string consoleKey;  ///< [notice] console_key_file's key ("" = none), for the request links
};

std::string frameHeader(Tag tag, std::uint64_t length);
/// Reads a header; Unknown for a tag that is not one of ours.
Tag parseHeader(const char (&header)[kFrameHeaderBytes], std::uint64_t& length);

std::string encodeSetup(const Setup& s);
bool decodeSetup(std::string_view payload, Setup& s, std::string& error);
std::string encodeRequest(const Request& r);
/// frameHeader(Tag::Job, ...) + encodeRequest(r), the input copied once.
std::string encodeRequestFrame(const Request& r);
bool decodeRequest(std::string_view payload, Request& r, std::string& error);
std::string encodeResult(const Result& r);
bool decodeResult(std::string_view payload, Result& r, std::string& error);

/// `n` bytes of `v`, little endian, appended to `s`; and back.
void putLittleEndian(std::string& s, std::uint64_t v, int n);
std::uint64_t getLittleEndian(const char* p, int n);

/// Blocking helpers for the worker's side (the parent polls, pool.cpp).
bool writeAll(int fd, std::string_view bytes);
/// Reads exactly `n` bytes; false on EOF or error.
bool readExact(int fd, char* out, std::size_t n);

}  // namespace mugai::job
