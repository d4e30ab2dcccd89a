// See pdf_writer.h. Objects: 1 catalog, 2 page tree, 3 info, then three per
// page (page, content stream, image); a classic xref table.
#include "sanitizers/pdf_rerender/pdf_writer.h"

#include <charconv>
#include <cstdio>

namespace mugai::sanitizers::pdf_rerender {
namespace {

/// A number as PDF wants it: no exponent, no locale, at most 4 decimals.
std::string num(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 4);
  std::string s(buf, r.ptr);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

}  // namespace

std::string writePdf(const std::vector<PageImage>& pages) {
  std::string out = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";
  std::vector<std::size_t> offsets;
  auto object = [&](const std::string& body) {
    offsets.push_back(out.size());
    out += std::to_string(offsets.size()) + " 0 obj\n" + body + "\nendobj\n";
  };
  std::string kids;
  for (std::size_t i = 0; i < pages.size(); ++i) kids += std::to_string(4 + 3 * i) + " 0 R ";
  object("<< /Type /Catalog /Pages 2 0 R >>");
  object("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages.size()) + " >>");
  object(std::string("<< /Producer (") + kProducer + ") >>");
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const PageImage& p = pages[i];
    const std::size_t page = 4 + 3 * i;
    object("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + num(p.widthPt) + " " + num(p.heightPt) + "] /Rotate " +
           std::to_string(p.rotate) + " /Resources << /XObject << /Im0 " + std::to_string(page + 2) +
           " 0 R >> >> /Contents " + std::to_string(page + 1) + " 0 R >>");
    const std::string draw = "q " + num(p.widthPt) + " 0 0 " + num(p.heightPt) + " 0 0 cm /Im0 Do Q";
    object("<< /Length " + std::to_string(draw.size()) + " >>\nstream\n" + draw + "\nendstream");
    object("<< /Type /XObject /Subtype /Image /Width " + std::to_string(p.width) + " /Height " +
           std::to_string(p.height) + " /ColorSpace " + (p.components == 1 ? "/DeviceGray" : "/DeviceRGB") +
           " /BitsPerComponent 8 /Filter " + (p.jpeg ? "/DCTDecode" : "/FlateDecode") + " /Length " +
           std::to_string(p.data.size()) + " >>\nstream\n" + p.data + "\nendstream");
  }
  const std::size_t xref = out.size();
  out += "xref\n0 " + std::to_string(offsets.size() + 1) + "\n0000000000 65535 f \n";
  for (std::size_t off : offsets) {
    char line[21];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
    out += line;
  }
  out += "trailer\n<< /Size " + std::to_string(offsets.size() + 1) + " /Root 1 0 R /Info 3 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return out;
}

}  // namespace mugai::sanitizers::pdf_rerender
