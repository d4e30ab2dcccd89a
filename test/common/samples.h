// Builders for test inputs: messages with attachments, minimal files of
// known types (PE, LNK, OneNote, ISO, PDF, ZIP). Built in code so no
// hostile file is stored in the repository; `file --mime-type` names each.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mugai::test {

struct Attachment {
  Attachment(std::string name, std::string type, std::string data, std::string disp = "attachment",
             std::string extra = "")
      : filename(std::move(name)), contentType(std::move(type)), bytes(std::move(data)),
        disposition(std::move(disp)), extraHeaders(std::move(extra)) {}
  std::string filename;      ///< UTF-8; "" for none
  std::string contentType;   ///< declared
  std::string bytes;         ///< raw content (sent base64)
  std::string disposition;   ///< "" for no Content-Disposition field
  std::string extraHeaders;  ///< e.g. "Content-ID: <x>\r\n"
};

/// multipart/mixed message with a text body and the attachments.
std::string mailWith(const std::vector<Attachment>& attachments, const std::string& body = "本文です。\r\n");

std::string peImage();       ///< application/vnd.microsoft.portable-executable
std::string lnkFile();       ///< application/x-ms-shortcut
std::string oneNoteFile();   ///< libmagic: text/plain; ours: application/onenote
std::string isoImage();      ///< application/x-iso9660-image (CD001 at 32769)
std::string minimalPdf();    ///< application/pdf
/// The EICAR test string (68 bytes), decoded from base64 at run time so
/// that no source file holds it literally (an on-access scanner on a
/// developer's machine would quarantine the file).
std::string eicar();
/// A ZIP of stored entries (name, data), valid CRCs: application/zip.
std::string storedZip(const std::vector<std::pair<std::string, std::string>>& entries);

}  // namespace mugai::test
