// libFuzzer target: office_cdr's package cleaners (OOXML and ODF). The first
// byte picks what the rest is:
//   0     a whole package (ZIP) as a sender would attach it;
//   else  the relationships part of word/document.xml, put into a fixed
//         small .docm whose document uses rId1..rId4 and a field, so the
//         rels reader and the elements that follow a removed relationship
//         get mutated directly instead of through the ZIP's CRCs.
// Beyond "no crash, no leak, no hang": a refusal names its reason, a
// cleaned package lists what it removed, and, cleaned again, is Clean.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sanitizers/office_cdr/format.h"
#include "sanitizers/office_cdr/ooxml.h"
#include "sanitizers/zip_scan/repack.h"

namespace {

using mugai::sanitizers::office_cdr::Outcome;
using mugai::sanitizers::office_cdr::Result;

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "office package: %s %s\n", what, detail.c_str());
  std::abort();
}

Result clean(std::string_view bytes) {
  static const mugai::Limits limits;
  mugai::ScanContext ctx(limits, std::chrono::steady_clock::now() + std::chrono::seconds(10));
  const mugai::sanitizers::office_cdr::Options o;
  if (mugai::sanitizers::office_cdr::detectFormat(bytes, "") == mugai::sanitizers::office_cdr::Format::Odf)
    return mugai::sanitizers::office_cdr::cleanOdf(bytes, o, ctx);
  return mugai::sanitizers::office_cdr::cleanOoxml(bytes, o, ctx);
}

std::string docmWithRels(std::string rels) {
  static const std::string ct =
      R"(<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">)"
      R"(<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>)"
      R"(<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>)"
      R"(<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>)";
  static const std::string root =
      R"(<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
      R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>)";
  static const std::string doc =
      R"(<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" )"
      R"(xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:o="urn:schemas-microsoft-com:office:office"><w:body>)"
      R"(<w:p><w:hyperlink r:id="rId1"><w:r><w:t>a</w:t></w:r></w:hyperlink><w:r><w:object><o:OLEObject r:id="rId2"/></w:object></w:r></w:p>)"
      R"(<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>INCLUDETEXT x</w:instrText></w:r>)"
      R"(<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>r</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>)"
      R"(<w:p><w:subDoc r:id="rId3"/><w:altChunk r:id="rId4"/></w:p></w:body></w:document>)";
  static const std::string vba = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
  std::vector<mugai::sanitizers::zip_scan::PackedFile> files{
      {"[Content_Types].xml", &ct, nullptr, 0, 0, false},  {"_rels/.rels", &root, nullptr, 0, 0, false},
      {"word/document.xml", &doc, nullptr, 0, 0, false},   {"word/_rels/document.xml.rels", &rels, nullptr, 0, 0, false},
      {"word/vbaProject.bin", &vba, nullptr, 0, 0, false}};
  std::string error;
  auto z = mugai::sanitizers::zip_scan::repack(files, "", error);
  return z ? *z : std::string();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string input = data[0] == 0 ? std::string(rest) : docmWithRels(std::string(rest));
  Result first = clean(input);
  if (first.outcome == Outcome::Refuse && first.removals.empty()) fail("refused without a reason", "");
  if (first.outcome != Outcome::Cleaned) return 0;
  if (first.removals.empty()) fail("cleaned without a removal", "");
  Result second = clean(first.bytes);
  if (second.outcome != Outcome::Clean)
    fail("is not clean when cleaned again",
         second.removals.empty() ? "" : second.removals[0].code + " " + second.removals[0].where + " " + second.removals[0].detail);
  return 0;
}
