// File types: the true type (libmagic on the bytes) and the type a name's
// extension claims. libmagic runs with one cookie per thread (a shared
// magic_t crashes) and never with MAGIC_COMPRESS (it executes external
// decompressors on hostile bytes).
#pragma once

#include <string>
#include <string_view>

namespace mugai {

/// MIME type of `bytes`: libmagic's answer ("application/pdf"), refined
/// where libmagic 5.44 is blind (see refineType), or "application/x-unknown"
/// if libmagic fails. libmagic looks at most at the first 1 MiB.
std::string trueType(std::string_view bytes);

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
