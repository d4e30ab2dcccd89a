// The broker: the one process a job worker keeps outside its sandbox.
//
// A job worker may not start programs, write files or hold a network
// namespace of its own; three stages need exactly that: pdf_rerender
// (mugai-pdf-worker), office_cdr legacy = "convert" (LibreOffice) and
// encrypted = "password" (python3 with msoffcrypto). Before it confines
// itself, the job worker forks the broker; the stages then ask it, over a
// socket pair, to run their helper and hand back its output.
//
// Kept tiny on purpose:
//   - it never parses the input: a request is an operation name and
//     length-prefixed fields, each operation's handler (registered before
//     start(), so fixed at fork) passes the document through as bytes;
//   - it starts only programs on its allow-lists, one per operation, made
//     from the config before the fork (allowProgram), whatever a request
//     names; a handler builds the program's arguments from checked
//     numbers, never passes a request's strings as arguments;
//   - one request at a time, each bounded by its helper's own deadline,
//     and no larger than kMaxMessage (read as it arrives, never allocated
//     from a length the worker claims);
//   - it dies with its job worker (PR_SET_PDEATHSIG), is not dumpable, and
//     holds no descriptor but its socket and stderr.
// A job worker taken over by its input can ask it for nothing but
// another sandboxed render, conversion or decryption of bytes it sends.
//
// Without a broker (tests, the fuzz targets, in-process callers) active()
// is false and every stage starts its helper itself, as before.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mugai::broker {

/// Runs in the broker: a request's fields in, the reply's fields out
/// (nullopt = refused: the caller fails closed).
using Handler = std::optional<std::vector<std::string>> (*)(const std::vector<std::string_view>& request);

/// Before start(): what the broker answers to `op`.
void addHandler(std::string_view op, Handler handler);
/// Before start(): a program (absolute path) the handler of `op` may run.
/// Each operation has its own list: the renderer is not a converter.
void allowProgram(std::string_view op, const std::string& path);
/// In a handler: whether `op` may run `path`.
bool programAllowed(std::string_view op, const std::string& path);

/// Forks the broker (call while single-threaded). "" or what failed.
std::string start();
/// Whether this process talks to a broker (the job worker after start()).
bool active();
/// The broker's pid (tests), -1 when none.
pid_t pid();

/// Runs `op` in the broker; nullopt when it refused, failed or died.
/// Serialised: one request at a time per process.
std::optional<std::vector<std::string>> call(std::string_view op, const std::vector<std::string_view>& request);

/// The largest request or reply: a document of max_decoded_bytes (256 MiB
/// by default), or a renderer's raw pages (a PDF whose pages pass it is
/// removed as produced too much, pdf.timeout).
constexpr std::uint64_t kMaxMessage = 2ull << 30;

/// Length-prefixed fields (u32 count, then u64 length + bytes each).
std::string pack(const std::vector<std::string_view>& fields);
bool unpack(std::string_view bytes, std::vector<std::string_view>& fields, std::size_t maxFields = 1024);

}  // namespace mugai::broker
