// See html.h.
#include "web/html.h"

#include <cctype>
#include <cstdio>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "core/display_text.h"

namespace mugai::web {

std::string h(std::string_view text) {
  const std::string masked = maskedText(text);
  std::string out;
  out.reserve(masked.size() + 16);
  for (char c : masked) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string urlEncode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string urlDecode(std::string_view text) {
  auto hexValue = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') out += ' ';
    else if (text[i] == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 && hexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2]));
      i += 2;
    } else out += text[i];
  }
  return out;
}

namespace {
constexpr std::int64_t kJstOffset = 9 * 3600;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}
}  // namespace

std::string jst(std::int64_t t) {
  const std::int64_t local = t + kJstOffset;
  std::int64_t days = local / 86400, secs = local % 86400;
  if (secs < 0) secs += 86400, --days;
  // civil_from_days
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02lld:%02lld:%02lld", static_cast<long long>(y), m, d,
                static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  return buf;
}

std::int64_t jstDayStart(std::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return -1;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (date[i] < '0' || date[i] > '9') return -1;
  const int y = std::stoi(std::string(date.substr(0, 4)));
  const unsigned m = static_cast<unsigned>(std::stoi(std::string(date.substr(5, 2))));
  const unsigned d = static_cast<unsigned>(std::stoi(std::string(date.substr(8, 2))));
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31) return -1;
  return daysFromCivil(y, m, d) * 86400 - kJstOffset;
}

const char* tr(Lang lang, std::string_view key) {
  static const std::unordered_map<std::string_view, std::pair<const char*, const char*>> table = {
      {"title", {"mugai 隔離コンソール", "mugai quarantine console"}},
      {"items", {"隔離一覧", "Quarantine"}},
      {"audit", {"監査ログ", "Audit log"}},
      {"logout", {"ログアウト", "Log out"}},
      {"login", {"ログイン", "Log in"}},
      {"user", {"ユーザー名", "User name"}},
      {"password", {"パスワード", "Password"}},
      {"login_failed",
       {"ユーザー名またはパスワードが違うか、アカウントがロックされています。",
        "Wrong user name or password, or the account is locked."}},
      {"login_throttled",
       {"ログインの失敗が多すぎます。しばらくしてからやり直してください。",
        "Too many failed logins from this address. Try again later."}},
      {"sso_unknown",
       {"シングルサインオンのユーザーにコンソールのアカウントがありません。管理者に mugai web user add を依頼してください。",
        "The single sign-on user has no console account. Ask an administrator to run mugai web user add."}},
      {"search", {"検索", "Search"}},
      {"clear", {"条件をクリア", "Clear"}},
      {"since", {"開始日", "From"}},
      {"before", {"終了日", "To"}},
      {"sender", {"送信者", "Sender"}},
      {"recipient", {"宛先", "Recipient"}},
      {"subject", {"件名・ファイル名", "Subject or file name"}},
      {"reason", {"理由コード", "Reason code"}},
      {"verdict", {"判定", "Verdict"}},
      {"status", {"状態", "Status"}},
      {"id", {"隔離番号", "Quarantine id"}},
      {"any", {"すべて", "Any"}},
      {"changed", {"無害化", "Changed"}},
      {"rejected", {"拒否", "Rejected"}},
      {"unchanged", {"変更なし", "Unchanged"}},
      {"held", {"保管中", "Held"}},
      {"released", {"解放済み", "Released"}},
      {"time", {"受信日時 (JST)", "Received (JST)"}},
      {"time_short", {"日時 (JST)", "Time (JST)"}},
      {"source", {"種別", "Source"}},
      {"mail", {"メール", "Mail"}},
      {"file", {"ファイル", "File"}},
      {"size", {"サイズ", "Size"}},
      {"no_items", {"該当する隔離はありません。", "No quarantined item matches."}},
      {"next", {"次へ", "Next"}},
      {"prev", {"前へ", "Previous"}},
      {"select_all", {"すべて選択", "Select all"}},
      {"bulk_release", {"選択したものを解放（再無害化）", "Release selected (re-sanitized)"}},
      {"bulk_purge", {"選択したものを削除", "Purge selected"}},
      {"detail", {"隔離の詳細", "Quarantined item"}},
      {"envelope", {"エンベロープ", "Envelope"}},
      {"envelope_none", {"記録なし（mugaid 以外で保管）", "not recorded (not received by mugaid)"}},
      {"sha256", {"SHA-256", "SHA-256"}},
      {"reasons", {"理由", "Reasons"}},
      {"headers", {"ヘッダー（原本）", "Header fields (original)"}},
      {"parts", {"無害化の内容", "What was done"}},
      {"path", {"部分", "Part"}},
      {"action", {"処置", "Action"}},
      {"name", {"名前", "Name"}},
      {"code", {"コード", "Code"}},
      {"type", {"種類", "Type"}},
      {"history", {"この隔離の監査ログ", "Audit log of this item"}},
      {"release", {"解放（再無害化して送信）", "Release (re-sanitized)"}},
      {"release_help",
       {"原本を解放ポリシーでもう一度無害化し、残ったものを送信します。宛先を空にすると受信時の宛先に送ります。",
        "The original is sanitized again under the release policy and what it keeps is sent. "
        "Leave the recipients empty to send to the recipients it was received for."}},
      {"release_to", {"宛先（カンマ区切り、空欄 = 受信時の宛先）", "Recipients (comma-separated; empty = as received)"}},
      {"release_raw", {"原本をそのまま解放", "Release the untouched original"}},
      {"release_raw_help",
       {"無害化していない原本を送信します。危険な内容がそのまま届きます。理由とパスワードが必要で、監査ログに残ります。",
        "Sends the original without sanitizing: any hostile content arrives as it is. A reason and your password "
        "are required, and it is written to the audit log."}},
      {"download", {"原本をダウンロード (.eml)", "Download the original (.eml)"}},
      {"confirm_raw", {"危険を理解した上で原本を扱います", "I understand the original is not sanitized"}},
      {"why", {"理由", "Reason"}},
      {"purge", {"削除", "Purge"}},
      {"purge_help",
       {"この隔離と原本を削除します（監査ログは残ります）。元に戻せません。",
        "Removes this item and its original (the audit log keeps its entries). This cannot be undone."}},
      {"confirm", {"確認しました", "I confirm"}},
      {"back", {"一覧に戻る", "Back to the list"}},
      {"done", {"完了しました", "Done"}},
      {"not_done", {"実行できませんでした", "Not done"}},
      {"forbidden", {"この操作は許可されていません。", "You may not do this."}},
      {"csrf", {"フォームの有効期限が切れたか、別のサイトから送信されました。ページを開き直してください。",
                "The form expired or was sent from another site. Open the page again."}},
      {"not_found", {"見つかりません。", "Not found."}},
      {"bad_request", {"リクエストが不正です。", "Bad request."}},
      {"login_required", {"ログインしてください。", "Please log in."}},
      {"error", {"内部エラーが発生しました。ログを確認してください。", "Internal error; see the log."}},
      {"need_password", {"パスワードが違います。", "The password is wrong."}},
      {"need_reason", {"理由を入力し、確認欄にチェックしてください。", "Give a reason and tick the confirmation."}},
      {"need_confirm", {"確認欄にチェックしてください。", "Tick the confirmation."}},
      {"no_selection", {"何も選択されていません。", "Nothing was selected."}},
      {"who", {"実行者", "Who"}},
      {"role", {"役割", "Role"}},
      {"client", {"接続元", "Client"}},
      {"target", {"対象・送信先", "Target"}},
      {"result", {"結果", "Result"}},
      {"item", {"隔離番号", "Item"}},
      {"csv", {"CSV でダウンロード", "Download as CSV"}},
      {"no_entries", {"該当する記録はありません。", "No entry matches."}},
      {"language", {"English", "日本語"}},
      {"read_only", {"閲覧のみ（auditor）", "read only (auditor)"}},
      {"released_ok", {"解放しました", "Released"}},
      {"release_removed", {"解放ポリシーでも削除されるため送信しませんでした", "Not sent: the release policy still removes it"}},
      {"release_refused", {"解放できません", "Cannot release"}},
      {"release_failed", {"送信に失敗しました", "Sending failed"}},
      {"purged", {"削除しました", "Purged"}},
      {"requests", {"解放申請", "Requests"}},
      {"req_title", {"原本の解放申請", "Request the original"}},
      {"req_help",
       {"このメールから削除・変換された原本の解放を申請できます。宛先だったあなたのメールアドレスと、必要な理由を入力してください。"
        "管理者が確認し、結果をメールでお知らせします。",
        "You can ask for the original of what was removed or converted from this mail. Give the address it was sent to "
        "and why you need it. An administrator decides, and you are told by mail."}},
      {"req_address", {"あなたのメールアドレス（宛先）", "Your address (a recipient)"}},
      {"req_reason", {"必要な理由", "Why you need it"}},
      {"req_send", {"申請する", "Send the request"}},
      {"req_sent", {"申請を受け付けました。結果はメールでお知らせします。", "Your request was received. You will be told the outcome by mail."}},
      {"req_already", {"この隔離については既に申請を受け付けています。", "A request of yours for this item is already waiting."}},
      {"req_bad_link", {"リンクが正しくありません。通知に記載されたリンクをそのまま開いてください。",
                        "This link is not valid. Open the link exactly as the notice gives it."}},
      {"req_expired", {"リンクの有効期限が切れています。システム管理者にお問い合わせください。",
                       "This link has expired. Please ask your system administrator."}},
      {"req_gone", {"この原本は保管期間を過ぎて削除されています。", "This original is no longer kept."}},
      {"req_not_recipient", {"このメールの宛先のアドレスを入力してください。", "Give an address this mail was sent to."}},
      {"req_throttled", {"申請が多すぎます。しばらくしてからやり直してください。", "Too many requests. Try again later."}},
      {"req_pending", {"承認待ち", "Pending"}},
      {"req_approved", {"承認・解放済み", "Approved and released"}},
      {"req_denied", {"却下", "Denied"}},
      {"req_failed", {"承認したが解放に失敗", "Approved, release failed"}},
      {"req_approve", {"承認して解放", "Approve and release"}},
      {"req_deny", {"却下", "Deny"}},
      {"req_note", {"却下の理由（申請者に送られます）", "Why (sent to the requester)"}},
      {"req_taken", {"この申請は他の管理者が処理済みか処理中です。", "Another administrator has decided or is deciding this request."}},
      {"req_pending_list", {"承認待ちの申請", "Waiting for a decision"}},
      {"req_decided", {"処理済みの申請", "Decided requests"}},
      {"req_requester", {"申請者", "Requester"}},
      {"req_none", {"申請はありません。", "No requests."}},
      {"preview", {"本文を表示（テキストのみ）", "Show the text (text only)"}},
      {"preview_help",
       {"解放ポリシーで無害化した後の本文をテキストで表示しています（HTML はテキストに変換、添付ファイルは表示しません）。",
        "The text as the release policy leaves it (HTML converted to text; attachments are not shown)."}},
      {"preview_failed", {"本文を表示できませんでした（検査プロセスが失敗しました）。", "The text could not be shown (the job worker failed)."}},
      {"too_broad", {"検索に時間がかかりすぎました。期間や語句で条件を絞ってください。",
                     "The search took too long. Narrow it with dates or more words."}},
      {"original_unreadable", {"原本を読めませんでした（ログを確認してください）。", "The original could not be read (see the log)."}},
      {"partial", {"一部の宛先のみ受け付けられました", "Accepted for some recipients only"}},
  };
  auto it = table.find(key);
  if (it == table.end()) throw std::logic_error("web: no text for \"" + std::string(key) + "\"");
  return lang == Lang::Ja ? it->second.first : it->second.second;
}

}  // namespace mugai::web
