#include "test/common/samples.h"

#include <openssl/evp.h>

#include <cstdint>

#include "core/mime_encode.h"

namespace mugai::test {
namespace {

std::uint32_t crc32(const std::string& s) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

void le16(std::string& o, std::uint32_t v) {
  o += static_cast<char>(v & 0xFF);
  o += static_cast<char>((v >> 8) & 0xFF);
}
void le32(std::string& o, std::uint32_t v) {
  le16(o, v & 0xFFFF);
  le16(o, v >> 16);
}

}  // namespace

std::string mailWith(const std::vector<Attachment>& atts, const std::string& body) {
  std::string m =
      "From: sender@example.jp\r\nTo: user@example.lg.jp\r\nSubject: test\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain; charset=UTF-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\n" +
      body;
  for (const auto& a : atts) {
    m += "\r\n--B\r\nContent-Type: " + a.contentType;
    if (!a.filename.empty()) m += ";\r\n " + fileNameParams("name", a.filename, "\r\n");
    m += "\r\nContent-Transfer-Encoding: base64\r\n";
    if (!a.disposition.empty()) {
      m += "Content-Disposition: " + a.disposition;
      if (!a.filename.empty()) m += ";\r\n " + fileNameParams("filename", a.filename, "\r\n");
      m += "\r\n";
    }
    m += a.extraHeaders + "\r\n" + encodeBase64Lines(a.bytes, "\r\n");
  }
  return m + "\r\n--B--\r\n";
}

std::string peImage() {
  std::string b(0x200, '\0');
  b[0] = 'M', b[1] = 'Z';
  b[0x3C] = 0x40;
  b.replace(0x40, 4, std::string("PE\0\0", 4));
  b[0x44] = 0x4C, b[0x45] = 0x01;  // i386
  b[0x46] = 0x01;                  // one section
  b[0x54] = static_cast<char>(0xE0);
  b[0x56] = 0x02, b[0x57] = 0x01;  // executable, 32-bit
  b[0x58] = 0x0B, b[0x59] = 0x01;  // PE32 magic
  return b;
}

std::string lnkFile() {
  std::string b("\x4C\0\0\0\x01\x14\x02\0\0\0\0\0\xC0\0\0\0\0\0\0\x46", 20);
  return b + std::string(56, '\0');
}

std::string oneNoteFile() {
  return std::string("\xE4\x52\x5C\x7B\x8C\xD8\xA7\x4D\xAE\xB1\x53\x78\xD0\x29\x96\xD3", 16) + std::string(100, '\0');
}

std::string isoImage() {
  std::string b(40000, '\0');
  b.replace(32769, 5, "CD001");
  return b;
}

std::string minimalPdf() {
  return "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
         "trailer<</Root 1 0 R>>\n%%EOF\n";
}

std::string storedZip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out, central;
  for (const auto& [name, data] : entries) {
    std::uint32_t offset = static_cast<std::uint32_t>(out.size());
    std::uint32_t crc = crc32(data), size = static_cast<std::uint32_t>(data.size());
    le32(out, 0x04034b50), le16(out, 10), le16(out, 0), le16(out, 0), le16(out, 0), le16(out, 0x21);
    le32(out, crc), le32(out, size), le32(out, size), le16(out, static_cast<std::uint32_t>(name.size())), le16(out, 0);
    out += name + data;
    le32(central, 0x02014b50), le16(central, 20), le16(central, 10), le16(central, 0), le16(central, 0);
    le16(central, 0), le16(central, 0x21), le32(central, crc), le32(central, size), le32(central, size);
    le16(central, static_cast<std::uint32_t>(name.size())), le16(central, 0), le16(central, 0), le16(central, 0);
    le16(central, 0), le32(central, 0), le32(central, offset);
    central += name;
  }
  std::uint32_t cdOffset = static_cast<std::uint32_t>(out.size());
  out += central;
  le32(out, 0x06054b50), le16(out, 0), le16(out, 0);
  le16(out, static_cast<std::uint32_t>(entries.size())), le16(out, static_cast<std::uint32_t>(entries.size()));
  le32(out, static_cast<std::uint32_t>(central.size())), le32(out, cdOffset), le16(out, 0);
  return out;
}

std::string eicar() {
  static const char* const kBase64 =
      "WDVPIVAlQEFQWzRcUFpYNTQoUF4pN0NDKTd9JEVJQ0FSLVNUQU5EQVJELUFOVElWSVJVUy1URVNULUZJTEUhJEgrSCo=";
  unsigned char out[80];
  const int n = EVP_DecodeBlock(out, reinterpret_cast<const unsigned char*>(kBase64), 92);
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n - 1));  // one '=' of padding
}

}  // namespace mugai::test
