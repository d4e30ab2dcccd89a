// --rebuild mode of mugai-pdf-worker: turns the vector renderers' cairo
// PDFs into the output PDF, from an allow-list, with qpdf. It runs in its
// own sandboxed process because its input is only as trustworthy as the
// renderer that wrote it: a renderer taken over by a hostile PDF could
// hide any object in its output, and a byte scan cannot tell an object from
// stream data. Parsing it for real is safe only out here.
//
// The new document gets a fresh catalog, page tree and /Info (kProducer
// strings only). Each page gets exactly /MediaBox (four numbers), /Rotate
// (the original's), /Contents, /Group and the /Resources categories a
// drawing uses (fonts, XObjects, graphics states, patterns, shadings,
// colour spaces); everything else of the renderer's page, and every
// object nothing of that references, is left behind. Then every object of
// the new document is walked: a name from the list of active features
// (JavaScript, actions, annotations, forms, embedded files, links, ...), an
// XObject that is neither an image nor a form, a stream stored in an
// external file or with a filter cairo does not write, or any warning from
// qpdf while reading refuses the whole document (kRebuildRefused).
// qpdf 11: use std::shared_ptr, not its old PointerHolder.
#define POINTERHOLDER_TRANSITION 4
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFWriter.hh>

#include <cctype>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <set>

#include "sanitizers/pdf_rerender/pdf_writer.h"
#include "sanitizers/pdf_rerender/worker_common.h"
#include "sanitizers/pdf_rerender/worker_protocol.h"

namespace mugai::sanitizers::pdf_rerender {
namespace {

/// Names that mean something active (or a way to reach something
/// outside the page), as keys or as what a dictionary is (see check()).
const std::set<std::string>& forbiddenNames() {
  static const std::set<std::string> names{
      "/JS", "/JavaScript", "/OpenAction", "/AA", "/A", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/EF",
      "/FileAttachment", "/URI", "/AcroForm", "/XFA", "/RichMedia", "/SubmitForm", "/ResetForm", "/ImportData",
      "/Annots", "/Names", "/Dests", "/Outlines", "/GoTo", "/GoToR", "/GoToE", "/Movie", "/Sound", "/Rendition",
      "/PS", "/OPI", "/Alternates", "/Widget", "/Link", "/Hide", "/Thread", "/Trans", "/NewWindow"};
  return names;
}

const std::set<std::string>& allowedFilters() {
  static const std::set<std::string> filters{"/FlateDecode", "/DCTDecode", "/JPXDecode", "/JBIG2Decode",
                                             "/CCITTFaxDecode"};
  return filters;
}

[[noreturn]] void refuse(const std::string& why) { fail(kRebuildRefused, "the drawing was refused: " + why); }

void checkStreamDict(QPDFObjectHandle dict) {
  for (const char* key : {"/F", "/FFilter", "/FDecodeParms"})
    if (dict.hasKey(key)) refuse(std::string("a stream refers to an external file (") + key + ")");
  QPDFObjectHandle filter = dict.getKey("/Filter");
  std::vector<QPDFObjectHandle> filters;
  if (filter.isArray()) filters = filter.getArrayAsVector();
  else if (!filter.isNull()) filters.push_back(filter);
  for (QPDFObjectHandle f : filters)
    if (!f.isName() || !allowedFilters().count(f.getName()))
      refuse("a stream uses a filter a drawing does not need (" + (f.isName() ? f.getName() : std::string("?")) + ")");
  if (dict.getKey("/Type").isNameAndEquals("/XObject")) {
    QPDFObjectHandle sub = dict.getKey("/Subtype");
    if (!sub.isNameAndEquals("/Image") && !sub.isNameAndEquals("/Form")) refuse("an XObject that is neither image nor form");
  }
}

/// Walks one object and its direct parts (indirect ones are walked as
/// objects of their own). Keys are checked everywhere but in a Type 3
/// font's /CharProcs, whose keys are glyph names (a glyph may be called
/// /A); name values only where they say what a dictionary is or does, as
/// glyph names in an /Encoding may be anything.
void check(QPDFObjectHandle h, const std::string& parentKey = "", int depth = 0) {
  if (depth > 64) refuse("objects nested too deeply");
  if (h.isArray()) {
    for (auto& item : h.getArrayAsVector())
      if (!item.isIndirect()) check(item, "", depth + 1);
  } else if (h.isDictionary() || h.isStream()) {
    QPDFObjectHandle dict = h.isStream() ? h.getDict() : h;
    if (h.isStream()) checkStreamDict(dict);
    for (auto [key, value] : dict.getDictAsMap()) {
      if (parentKey != "/CharProcs" && forbiddenNames().count(key)) refuse("it has a " + key + " entry");
      if (value.isName() && (key == "/S" || key == "/Type" || key == "/Subtype" || key == "/FT") &&
          forbiddenNames().count(value.getName()))
        refuse("it has " + key + " " + value.getName());
      if (!value.isIndirect()) check(value, key, depth + 1);
    }
  }
}

/// `h` from `from`, copied into `out` with everything it references.
QPDFObjectHandle copy(QPDF& out, QPDF& from, QPDFObjectHandle h) {
  return out.copyForeignObject(h.isIndirect() ? h : from.makeIndirectObject(h));
}

QPDFObjectHandle rebuildPage(QPDF& out, QPDF& from, QPDFObjectHandle src, std::uint32_t rotate) {
  QPDFObjectHandle box = src.getKey("/MediaBox");
  if (!box.isRectangle()) refuse("a page has no media box");
  const auto r = box.getArrayAsRectangle();
  const double w = r.urx - r.llx, h = r.ury - r.lly;
  if (!(w > 0 && h > 0 && w < 14400.0 * 200 && h < 14400.0 * 200)) refuse("a page has an impossible size");
  QPDFObjectHandle page = QPDFObjectHandle::newDictionary();
  page.replaceKey("/Type", QPDFObjectHandle::newName("/Page"));
  page.replaceKey("/MediaBox", QPDFObjectHandle::newFromRectangle(r));
  page.replaceKey("/Rotate", QPDFObjectHandle::newInteger(rotate));
  QPDFObjectHandle contents = src.getKey("/Contents");
  if (contents.isStream()) {
    page.replaceKey("/Contents", copy(out, from, contents));
  } else if (contents.isArray()) {
    QPDFObjectHandle list = QPDFObjectHandle::newArray();
    for (auto& c : contents.getArrayAsVector()) {
      if (!c.isStream()) refuse("a page's contents are not streams");
      list.appendItem(copy(out, from, c));
    }
    page.replaceKey("/Contents", list);
  } else if (!contents.isNull()) {
    refuse("a page's contents are not streams");
  }
  QPDFObjectHandle resources = src.getKey("/Resources");
  QPDFObjectHandle kept = QPDFObjectHandle::newDictionary();
  if (resources.isDictionary())
    for (const char* key : {"/Font", "/XObject", "/ExtGState", "/Pattern", "/Shading", "/ColorSpace", "/ProcSet"}) {
      QPDFObjectHandle v = resources.getKey(key);
      if (v.isDictionary() || v.isArray()) kept.replaceKey(key, copy(out, from, v));
    }
  page.replaceKey("/Resources", kept);
  if (QPDFObjectHandle group = src.getKey("/Group"); group.isDictionary()) page.replaceKey("/Group", copy(out, from, group));
  return out.makeIndirectObject(page);
}

/// Font names are the one place a drawing repeats a name from the input:
/// cairo keeps the font's own name behind a random six-letter subset tag
/// (/JSLQVK+Foo). Each tag becomes MG followed by four letters counted up,
/// the same tag always the same, and the name keeps only letters, digits,
/// '-', '_' and '.': no name in the output starts with an active feature's
/// name, not even to a grep.
void renameFonts(QPDF& out) {
  std::map<std::string, std::string> tags;
  auto tagFor = [&](const std::string& old) {
    auto it = tags.find(old);
    if (it != tags.end()) return it->second;
    std::string t = "MGAAAA";
    for (std::size_t k = tags.size(), i = 5; i >= 2 && k > 0; --i, k /= 26) t[i] = static_cast<char>('A' + k % 26);
    return tags[old] = t;
  };
  for (auto& o : out.getAllObjects()) {
    if (!o.isDictionary()) continue;
    for (const char* key : {"/BaseFont", "/FontName"}) {
      QPDFObjectHandle v = o.getKey(key);
      if (!v.isName()) continue;
      std::string name = v.getName().substr(1), tag;
      if (name.size() > 7 && name[6] == '+') tag = name.substr(0, 6), name = name.substr(7);
      std::string kept;
      for (char c : name)
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') kept += c;
      o.replaceKey(key, QPDFObjectHandle::newName("/" + tagFor(tag) + "+" + (kept.empty() ? "Font" : kept)));
    }
  }
}

struct Input {
  std::uint32_t pages = 0;
  std::vector<std::uint32_t> rotate;
  std::vector<std::string_view> documents;
};

Input parse(std::string_view in) {
  Input r;
  std::size_t at = 0;
  auto take = [&](void* dst, std::size_t n) {
    if (in.size() - at < n) fail(kUsage, "bad rebuild framing");
    std::memcpy(dst, in.data() + at, n);
    at += n;
  };
  std::uint32_t docs = 0;
  take(&r.pages, 4);
  take(&docs, 4);
  if (r.pages == 0 || r.pages > 1'000'000 || docs == 0 || docs > 8) fail(kUsage, "bad rebuild framing");
  r.rotate.resize(r.pages);
  take(r.rotate.data(), 4 * std::size_t{r.pages});
  for (std::uint32_t k = 0; k < docs; ++k) {
    std::uint64_t len = 0;
    take(&len, 8);
    if (len > in.size() - at) fail(kUsage, "bad rebuild framing");
    r.documents.push_back(in.substr(at, len));
    at += len;
  }
  return r;
}

}  // namespace

void rebuildVector(std::string_view input) {
  const Input in = parse(input);
  const std::size_t n = in.documents.size();
  try {
    std::vector<std::unique_ptr<QPDF>> docs;
    std::vector<std::vector<QPDFPageObjectHelper>> pagesOf;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t expect = in.pages > k ? (in.pages - k + n - 1) / n : 0;
      docs.push_back(std::make_unique<QPDF>());
      pagesOf.emplace_back();
      if (expect == 0) {
        if (!in.documents[k].empty()) refuse("a drawing for no pages");
        continue;
      }
      QPDF& q = *docs.back();
      q.setSuppressWarnings(true);
      q.setAttemptRecovery(false);
      q.processMemoryFile("renderer output", in.documents[k].data(), in.documents[k].size());
      pagesOf.back() = QPDFPageDocumentHelper(q).getAllPages();
      if (pagesOf.back().size() != expect) refuse("a drawing has the wrong number of pages");
    }
    QPDF out;
    out.setSuppressWarnings(true);
    out.emptyPDF();
    QPDFPageDocumentHelper outPages(out);
    for (std::uint32_t i = 0; i < in.pages; ++i) {
      const std::size_t k = i % n;
      QPDFObjectHandle page =
          rebuildPage(out, *docs[k], pagesOf[k][i / n].getObjectHandle(), in.rotate[i]);
      outPages.addPage(QPDFPageObjectHelper(page), false);
    }
    QPDFObjectHandle info = QPDFObjectHandle::newDictionary();
    info.replaceKey("/Producer", QPDFObjectHandle::newUnicodeString(kProducerVector));
    out.getTrailer().replaceKey("/Info", out.makeIndirectObject(info));
    renameFonts(out);
    for (auto& o : out.getAllObjects()) check(o);
    QPDFWriter w(out);
    w.setOutputMemory();
    w.setDeterministicID(true);
    w.setDecodeLevel(qpdf_dl_none);  // stream data goes as cairo compressed it
    w.write();
    // Stream data is read while writing: a repair then counts as well.
    for (const auto& q : docs)
      if (q->anyWarnings()) refuse(std::string("qpdf: ") + q->getWarnings().front().what());
    if (out.anyWarnings()) refuse(std::string("qpdf: ") + out.getWarnings().front().what());
    const auto buffer = w.getBufferSharedPointer();
    if (!writeAll(buffer->getBuffer(), buffer->getSize())) fail(kOutputFailed, "write failed");
  } catch (const std::exception& e) {
    refuse(std::string("qpdf: ") + e.what());
  }
}

}  // namespace mugai::sanitizers::pdf_rerender
