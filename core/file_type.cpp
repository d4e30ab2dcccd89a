// See file_type.h.
#include "core/file_type.h"

#include <array>
#include <cctype>
#include <stdexcept>
#include <utility>

#include "core/c_handles.h"
#include "core/node.h"

namespace mugai {
namespace {

MagicPtr openCookie(int extraFlags) {
  // MAGIC_NO_CHECK_COMPRESS: never look inside compressed data (that
  // path forks decompressors). MAGIC_MIME_TYPE: "type/subtype" only.
  MagicPtr m(magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR | extraFlags));
  if (!m) throw std::runtime_error("libmagic: magic_open failed");
  if (magic_load(m.get(), nullptr) != 0)
    throw std::runtime_error(std::string("libmagic: cannot load database: ") + magic_error(m.get()));
  return m;
}

magic_set* threadCookie() {
  thread_local MagicPtr cookie = openCookie(0);
  return cookie.get();
}

// Built-in tests only (encoding, CSV, JSON...), for prose.
magic_set* threadBuiltinCookie() {
  thread_local MagicPtr cookie = openCookie(MAGIC_NO_CHECK_SOFT);
  return cookie.get();
}

constexpr std::size_t kWindow = 1 << 20;  // what libmagic looks at

// Bytes prose does not need and markup, scripts and code do.
constexpr std::string_view kNotProse("<>{}[]()\\#%$@;=|^~`");

// First words of a line that libmagic's text rules key on (scripts,
// source code, diff, mbox/news/mail-forward files, archives in text form).
// Compared without case.
constexpr std::string_view kLineKeywords[] = {
    "from", "import", "def", "class", "module", "require", "end", "package", "use", "sub", "function", "var", "let",
    "const", "echo", "set", "dim", "private", "public", "static", "program", "procedure", "begin", "unit", "library",
    "diff", "only", "common", "article", "forward", "pipe", "relay", "path", "newsgroups", "bzh", "rem", "goto",
    "include", "define", "pragma", "extern", "struct", "typedef", "namespace", "using", "alias", "exec", "eval",
    "cd", "rm", "cat", "mkdir", "cmd", "powershell", "invoke", "param", "script", "xml", "html", "svg", "doctype",
};

bool keywordLine(std::string_view line) {
  std::size_t n = 0;
  while (n < line.size() && n < 32 && std::isalpha(static_cast<unsigned char>(line[n]))) ++n;
  if (n == 0 || n == 32) return false;
  for (std::string_view k : kLineKeywords)
    if (equalsIgnoreCase(line.substr(0, n), k)) return true;
  return false;
}

bool headerLike(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '-' || line[i] == '_' ||
                             line[i] == '.'))
    ++i;
  return i > 0 && i < line.size() && line[i] == ':';
}

constexpr std::array<std::pair<std::string_view, std::string_view>, 48> kExtensions{{
    {"txt", "text/plain"}, {"csv", "text/csv"}, {"htm", "text/html"}, {"html", "text/html"},
    {"xml", "text/xml"}, {"pdf", "application/pdf"}, {"zip", "application/zip"},
    {"gz", "application/gzip"}, {"7z", "application/x-7z-compressed"},
    {"rar", "application/vnd.rar"}, {"lzh", "application/x-lzh-compressed"},
    {"tar", "application/x-tar"}, {"cab", "application/vnd.ms-cab-compressed"},
    {"doc", "application/msword"}, {"xls", "application/vnd.ms-excel"},
    {"ppt", "application/vnd.ms-powerpoint"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {"docm", "application/vnd.ms-word.document.macroenabled.12"},
    {"xlsm", "application/vnd.ms-excel.sheet.macroenabled.12"},
    {"pptm", "application/vnd.ms-powerpoint.presentation.macroenabled.12"},
    {"rtf", "text/rtf"}, {"one", "application/onenote"}, {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"}, {"png", "image/png"}, {"gif", "image/gif"}, {"bmp", "image/bmp"},
    {"tif", "image/tiff"}, {"tiff", "image/tiff"}, {"exe", "application/x-dosexec"},
    {"dll", "application/x-dosexec"}, {"scr", "application/x-dosexec"},
    {"msi", "application/x-msi"}, {"lnk", "application/x-ms-shortcut"},
    {"iso", "application/x-iso9660-image"}, {"img", "application/x-raw-disk-image"},
    {"vhd", "application/x-vhd"}, {"vhdx", "application/x-vhdx"},
    {"js", "text/javascript"}, {"vbs", "text/vbscript"}, {"hta", "application/hta"},
    {"ps1", "text/x-powershell"}, {"bat", "application/x-bat"}, {"cmd", "application/x-bat"},
    {"jar", "application/java-archive"}, {"eml", "message/rfc822"},
}};

}  // namespace

bool looksLikeProse(std::string_view bytes) {
  if (bytes.empty() || bytes.size() > kWindow || bytes.starts_with("From ")) return false;
  bool lineStart = true;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c == '\n') {
      lineStart = true;
      continue;
    }
    if (c < 0x20 && c != '\r' && c != '\t') return false;
    if (c == 0x7F || (c < 0x80 && kNotProse.find(static_cast<char>(c)) != std::string_view::npos)) return false;
    if (lineStart) {
      if (c == '\r') continue;  // an empty CRLF line
      if (c < 0x80 && !std::isalnum(c)) return false;
      std::size_t end = bytes.find('\n', i);
      const std::string_view line = bytes.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
      if (headerLike(line) || keywordLine(line)) return false;
      lineStart = false;
    }
  }
  return true;
}

std::string trueType(std::string_view bytes) {
  if (bytes.empty()) return "application/x-empty";
  magic_set* cookie = looksLikeProse(bytes) ? threadBuiltinCookie() : threadCookie();
  const char* t = magic_buffer(cookie, bytes.data(), std::min(bytes.size(), kWindow));
  if (!t) return "application/x-unknown";
  return refineType(bytes, t);
}

std::string refineType(std::string_view bytes, std::string magicType) {
  static constexpr std::string_view kOneNote("\xE4\x52\x5C\x7B\x8C\xD8\xA7\x4D\xAE\xB1\x53\x78\xD0\x29\x96\xD3", 16);
  if (bytes.substr(0, kOneNote.size()) == kOneNote) return "application/onenote";
  for (std::size_t off : {32769u, 34817u, 36865u})
    if (bytes.size() >= off + 5 && bytes.substr(off, 5) == "CD001") return "application/x-iso9660-image";
  const bool zipLike = magicType == "application/zip" || magicType.find("openxmlformats") != std::string::npos ||
                       magicType.find("ms-excel") != std::string::npos || magicType.find("ms-word") != std::string::npos ||
                       magicType.find("ms-powerpoint") != std::string::npos;
  const bool oleLike = magicType == "application/x-ole-storage" || magicType == "application/msword" ||
                       magicType == "application/vnd.ms-excel" || magicType == "application/vnd.ms-powerpoint" ||
                       magicType == "application/CDFV2";
  // Entry names are stored uncompressed in ZIP local and central headers;
  // OLE2 directory entries are UTF-16LE.
  static constexpr std::string_view kVbaOle("_\0V\0B\0A\0_\0P\0R\0O\0J\0E\0C\0T\0", 24);
  if ((zipLike && bytes.find("vbaProject.bin") != std::string_view::npos) ||
      (oleLike && bytes.find(kVbaOle) != std::string_view::npos))
    return "application/vnd.ms-office.vbaProject";
  // Embedded OLE objects: an "Ole10Native" stream (OLE Package, how .exe and
  // .js files ride inside .doc / .ppt) or OOXML embeddings/oleObject*.bin.
  static constexpr std::string_view kOle10Native("\x01\0O\0l\0e\0\x31\0\x30\0N\0a\0t\0i\0v\0e\0", 24);
  // PowerPoint compresses its object storage but names the "Package" ProgID
  // in UTF-16 beside it.
  static constexpr std::string_view kPackageProgId("P\0a\0c\0k\0a\0g\0e\0", 14);
  if ((oleLike && (bytes.find(kOle10Native) != std::string_view::npos ||
                   bytes.find(kPackageProgId) != std::string_view::npos)) ||
      (zipLike && bytes.find("embeddings/oleObject") != std::string_view::npos))
    return "application/vnd.ms-office.oleobject";
  return magicType;
}

std::string typeFromExtension(std::string_view filename) {
  auto dot = filename.rfind('.');
  if (dot == std::string_view::npos || dot + 1 >= filename.size()) return "";
  std::string ext = toLower(filename.substr(dot + 1));
  for (const auto& [e, type] : kExtensions)
    if (e == ext) return std::string(type);
  return "";
}

}  // namespace mugai
