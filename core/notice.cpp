// See notice.h.
#include "core/notice.h"

#include "core/clock.h"
#include "core/request_link.h"

#include "core/display_text.h"

#include <array>
#include <utility>

namespace mugai {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 24> kReasonsJa{{
    {"limit.message_size", "メールのサイズが上限を超えています"},
    {"limit.header_size", "ヘッダー行が長すぎます"},
    {"limit.header_count", "ヘッダーの数が上限を超えています"},
    {"limit.depth", "MIME の入れ子が深すぎます"},
    {"limit.parts", "MIME パートの数が上限を超えています"},
    {"limit.decoded_bytes", "展開後のサイズが上限を超えています"},
    {"limit.time", "制限時間内に検査できませんでした"},
    {"mime.not_a_message", "メールとして解析できません"},
    {"mime.malformed_multipart", "マルチパートの構造が壊れています"},
    {"mime.truncated", "メールが途中で切れています（境界が閉じていません）"},
    {"mime.malformed_message", "メールの構造が壊れています"},
    {"mime.invalid_header_name", "不正なヘッダー名があります"},
    {"mime.conflicting_header", "矛盾するヘッダーが重複しています"},
    {"mime.conflicting_parameter", "矛盾するヘッダーパラメータが重複しています"},
    {"mime.multipart_without_boundary", "マルチパートに境界指定がありません"},
    {"mime.nesting_overflow", "MIME の入れ子が解析器の上限を超えています"},
    {"mime.part_without_headers_or_content", "ヘッダーも内容もないパートがあります"},
    {"mime.decode_failed", "パートの内容を復号できません"},
    {"mime.message_partial", "分割されたメールの断片です（元のメール全体を検査できません）"},
    {"mime.external_body", "外部にある内容を参照するパートです（内容を検査できません）"},
    {"mime.unknown_warning", "解析器が不明な警告を出しました"},
    {"sanitizer.failed", "検査処理が失敗しました（安全側で削除）"},
    {"test.removed", "テスト用の削除規則に一致しました"},
    {"test.replaced", "テスト用の置換規則に一致しました"},
}};

std::string withCommas(std::size_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

std::size_t contentSize(const Node& n) {
  // Decoded size where the body was decoded, else the raw bytes removed.
  if (!n.decoded.empty() || !n.rawBody) return n.decodedSize();
  return n.rawBody->size();
}

}  // namespace

std::string reasonJa(const std::string& code) {
  for (const auto& [c, ja] : kReasonsJa)
    if (c == code) return std::string(ja);
  return "";
}

std::string reasonJa(const Node& n) { return n.reasonJa.empty() ? reasonJa(n.reasonCode) : n.reasonJa; }

std::string withId(std::string text, const std::string& id) {
  for (std::size_t at = text.find("{id}"); at != std::string::npos; at = text.find("{id}", at + id.size()))
    text.replace(at, 4, id);
  return text;
}

std::string noticeText(const Node& root, const NoticeConfig& config, const std::string& id, bool originalKept,
                       NoticeSubject subject) {
  std::string items;
  int count = 0;
  root.forEach([&](const Node& n) {
    if (n.action == Action::Keep) return;
    ++count;
    const char* verb = n.action == Action::Replace ? "変換 / Converted"
                       : n.action == Action::Reject ? "拒否 / Rejected"
                                                    : "削除 / Removed";
    // Every string from the input goes through display_text.h: a name with
    // U+2028 or CR/LF would otherwise forge lines of this notice.
    std::string name =
        n.filename.empty() ? "(名前なし / no name) " + maskedText(n.declaredType) : displayName(n.filename);
    items += "[" + std::to_string(count) + "] " + verb + ": " + name + "\n";
    std::string type = n.trueType().empty() ? n.declaredType : n.trueType();
    items += "    種類 / Type: " + maskedText(type);
    if (!n.declaredType.empty() && n.declaredType != type)
      items += " (宣言 / declared: " + maskedText(n.declaredType) + ")";
    items += "\n";
    // An element taken out of a document (a field, a link) has no bytes of
    // its own to count: no size line rather than "0 bytes".
    const bool element = !n.bodyDecoded && !n.rawBody && contentSize(n) == 0 && n.children.empty();
    if (!element) items += "    サイズ / Size: " + withCommas(contentSize(n)) + " bytes\n";
    if (!n.sha256().empty()) items += "    SHA-256: " + n.sha256() + "\n";
    std::string ja = reasonJa(n);
    items += "    理由 / Reason: " + (ja.empty() ? "" : ja + " / ") + maskedText(n.reason) + "\n";
  });
  if (count == 0) return "";
  std::string out = "【mugai 無害化のお知らせ / Detoxification notice】\n\n";
  if (subject == NoticeSubject::File) out += config.fileIntroJa + "\n\n" + config.fileIntroEn + "\n\n";
  else out += config.introJa + "\n\n" + config.introEn + "\n\n";
  out += items;
  out += "\n";
  if (id.empty()) {
    // Inside a container (a notice file in a re-packed ZIP): the original
    // and its id belong to the outer input's notice.
  } else if (originalKept) {
    out += withId(config.requestJa, id) + "\n" + withId(config.requestEn, id) + "\n";
    if (!config.consoleUrl.empty() && !config.consoleKey.empty()) {
      const std::int64_t until = epochSeconds() + static_cast<std::int64_t>(config.requestLinkDays) * 86400;
      const std::string link = requestLink(config.consoleUrl, config.consoleKey, id, until);
      auto fill = [&](std::string text) {
        const std::string days = std::to_string(config.requestLinkDays);
        for (std::size_t at = text.find("{days}"); at != std::string::npos; at = text.find("{days}", at + days.size()))
          text.replace(at, 6, days);
        return text;
      };
      out += "\n" + fill(config.requestLinkJa) + "\n" + fill(config.requestLinkEn) + "\n" + link + "\n";
    }
    out += "\n隔離番号 / Quarantine id: " + id + "\n";
  }
  else
    out += "原本は保管していません。\nThe original was not kept.\n\n受付番号 / Reference: " + id + "\n";
  return out;
}

}  // namespace mugai
