// See pdf_rerender.h.
#include "sanitizers/pdf_rerender/pdf_rerender.h"

#include <algorithm>
#include <chrono>
#include <map>

namespace mugai::sanitizers::pdf_rerender {
namespace {

/// Japanese wording of each finding, for the notice.
std::string japanese(const std::string& code) {
  static const std::map<std::string, std::string> ja{
      {"pdf.encrypted", "パスワードで保護された PDF のため、無害化できませんでした"},
      {"pdf.unreadable", "PDF として読み取れないため削除しました"},
      {"pdf.too_many_pages", "ページ数が上限を超えるため削除しました"},
      {"pdf.page_too_large", "ページの大きさが上限を超えるため削除しました"},
      {"pdf.timeout", "PDF の変換が制限時間内に終わらなかったため削除しました"},
      {"pdf.render_failed", "PDF のページを描画できなかったため削除しました"},
      {"pdf.vector_refused", "ベクター変換の結果に許可されない要素が含まれていたため削除しました"},
      {"pdf.sandbox_unavailable", "PDF を安全に変換できる環境（Landlock）がこのサーバーにないため、安全のため削除しました"},
  };
  const auto it = ja.find(code);
  return it != ja.end() ? it->second : "PDF の無害化処理に失敗したため、安全のため削除しました";
}

}  // namespace

bool PdfRerender::accepts(const Node& node) const {
  return node.kind == NodeKind::Leaf && node.trueType() == "application/pdf";
}

Decision PdfRerender::run(const Node& node, ScanContext& ctx) {
  const std::vector<std::string> none;
  // The document's deadline is also bounded by what is left of the input's.
  RenderOptions o = options_.render;
  const auto left = static_cast<std::uint32_t>(std::chrono::ceil<std::chrono::seconds>(ctx.remaining()).count());
  o.timeoutSeconds = std::max<std::uint32_t>(1, std::min(o.timeoutSeconds, left));
  const RenderResult r = renderPdf(o, node.content(), options_.tryPasswords ? ctx.passwords() : none);
  if (!r.ok) return Decision::remove(r.code, r.detail, japanese(r.code));
  Replacement rep;
  rep.mimeType = "application/pdf";
  rep.filename = node.filename;
  if (options_.render.vector) {
    rep.bytes = r.pdf;
    const std::string pages = std::to_string(r.pageCount);
    return Decision::replace(std::move(rep), "pdf.rerendered",
                             "re-drawn as vector pages (" + pages + (r.pageCount == 1 ? " page" : " pages") +
                                 ", text stays selectable): no scripts, links, forms or attachments",
                             "PDF をベクター形式で再構成しました（" + pages +
                                 " ページ、文字は選択可能）。スクリプト・リンク・フォーム・添付ファイルは含まれません");
  }
  rep.bytes = writePdf(r.pages);
  const std::string pages = std::to_string(r.pages.size());
  return Decision::replace(std::move(rep), "pdf.rerendered",
                           "re-drawn as page images (" + pages + (r.pages.size() == 1 ? " page, " : " pages, ") +
                               std::to_string(static_cast<int>(options_.render.dpi)) + " dpi): no scripts, links, forms or attachments",
                           "PDF を画像として再構成しました（" + pages + " ページ）。スクリプト・リンク・フォーム・添付ファイルは含まれません");
}

}  // namespace mugai::sanitizers::pdf_rerender
