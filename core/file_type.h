// File types: the true type (libmagic on the bytes) and the type a name's
// extension claims. libmagic runs with one cookie per thread (a shared
// magic_t crashes) and never with MAGIC_COMPRESS (it executes external
// decompressors on hostile bytes).
//
// Speed: libmagic's "soft" tests (its magic database) cost 0.2 to 1 ms on
// any text, most of it regular expressions looking for scripts, markup and
// source code, and they run on every text part of every mail. Text that is
// plain prose by the conservative check looksLikeProse() cannot match any
// of them (each needs markup, a shebang, a header-like or indented line, or
// punctuation prose does not use), so it gets libmagic's built-in tests only
// (encoding, CSV): about 10 us. A test holds the two answers equal over
// every text part of the corpora and a set of scripts made to look plain.
#pragma once

#include <string>
#include <string_view>

namespace mugai {

/// MIME type of `bytes`: libmagic's answer ("application/pdf"), refined
/// where libmagic 5.44 is blind (see refineType), or "application/x-unknown"
/// if libmagic fails. libmagic looks at most at the first 1 MiB.
std::string trueType(std::string_view bytes);

/// True for text that cannot match libmagic's soft tests: at most 1 MiB,
/// no NUL or control byte but CR, LF and TAB, none of < > { } [ ] ( ) \ # % $
/// @ ; = | ^ ~ ` anywhere, every line starting with a letter, a digit or a
/// byte >= 0x80 (no indentation, no "-", "+" or "." lines), no line starting
/// with a header-like "Token:" or with a word libmagic's text rules key on
/// (import, from, class, def, diff, Article, Forward, Pipe, ... in
/// file_type.cpp), and not an mbox "From " line first. libmagic's database
/// has more text rules than can be listed here: the check is held equal to
/// full libmagic over the corpora and the constructs of file_type_test. Bytes
/// >= 0x80 (UTF-8, Shift_JIS, EUC-JP) pass; ISO-2022-JP does not (its
/// escapes hold "$" and "(") and takes the full path.
bool looksLikeProse(std::string_view bytes);

/// Our own checks on top of libmagic's `magicType`:
///   - OneNote (GUID E4525C7B-8CD8-A74D-AEB1-5378D02996D3 at offset 0;
///     libmagic says text/plain) -> "application/onenote";
///   - ISO 9660 ("CD001" at 32769, 34817 or 36865 when libmagic saw too
///     little) -> "application/x-iso9660-image";
///   - Office documents carrying VBA macros: OOXML (a ZIP) with a
///     vbaProject.bin entry, OLE2 with a _VBA_PROJECT stream (libmagic cannot
///     tell .xlsm from .xlsx) -> "application/vnd.ms-office.vbaProject";
///   - Office documents carrying embedded OLE objects (OLE Package
///     "Ole10Native" streams, OOXML embeddings/oleObject*.bin) ->
///     "application/vnd.ms-office.oleobject".
std::string refineType(std::string_view bytes, std::string magicType);

/// Media type implied by the file name's last extension, lower case, or ""
/// when the name has no extension we know.
std::string typeFromExtension(std::string_view filename);

}  // namespace mugai
