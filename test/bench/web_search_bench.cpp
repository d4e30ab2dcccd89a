// Console search and list latency over a quarantine of 1,000,000 items
// (issue 19's goal: p95 <= 100 ms for a filtered first page on the 2-core
// machine). Each query runs ROUNDS times through the whole console handler
// (Console::handle: the store query, the release status of each row, the
// HTML) and through Store::list alone; p50 and p95 of each are printed, with
// the index's size. There is no peer to run beside it: the closed products'
// consoles cannot be run here, so the goal is the reference.
//
// The store is generated once into DIR (reused when it is there): subjects
// from Japanese and English templates with numbers, 2,000 senders, 500
// recipients, 90 days of times, reason codes and verdicts in realistic
// proportions. Originals are shared (this measures the index, not object
// files). Usage: mugai_web_search_bench DIR [ITEMS] [ROUNDS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>

#include "core/clock.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/password_hash.h"
#include "core/quarantine/store.h"
#include "web/console.h"

namespace fs = std::filesystem;
using namespace mugai;
using Clock = std::chrono::steady_clock;

namespace {

const char* kSubjects[] = {"請求書の送付について（{n}月分）", "【至急】お見積りのご依頼 No.{n}", "会議資料の送付 第{n}回",
                           "Re: 議事録の確認 {n}", "Invoice {n} attached", "【重要】アカウント確認のお願い {n}",
                           "採用応募書類（{n}）", "Fwd: 工事完了報告書 {n}", "meeting notes {n}", "納品書・検収書 {n}"};
const char* kReasons[] = {"attachment.executable", "office.vba_removed", "html.converted", "url.defanged",
                          "archive.encrypted", "pdf.javascript_removed", "office.dde_removed", "signature.match"};

void generate(const std::string& dir, int items) {
  quarantine::Store store(dir);
  store.setDeferredSync(true);
  std::mt19937_64 rng(42);
  const std::int64_t now = epochSeconds();
  const std::string original = "From: a@example.net\r\nSubject: x\r\n\r\nthe same original for every item\r\n";
  const auto start = Clock::now();
  for (int i = 0; i < items; ++i) {
    quarantine::Item it;
    it.id = newId();
    it.time = now - static_cast<std::int64_t>(rng() % (90 * 86400));
    it.source = rng() % 20 == 0 ? "file" : "mail";
    std::string subject = kSubjects[rng() % 10];
    subject.replace(subject.find("{n}"), 3, std::to_string(rng() % 1000));
    if (it.source == "file") it.filename = "drop/" + subject + ".zip";
    else it.subject = subject;
    it.sender = "user" + std::to_string(rng() % 2000) + "@partner" + std::to_string(rng() % 200) + ".example.co.jp";
    it.recipients = {"staff" + std::to_string(rng() % 500) + "@city.example.lg.jp"};
    it.envelope = quarantine::Envelope{it.sender, it.recipients};
    it.verdict = rng() % 10 == 0 ? "rejected" : "changed";
    it.reasons = {kReasons[rng() % 8]};
    it.reportJson = R"({"nodes":[{"path":"0","action":"keep","kind":"message"}],"findings":[]})";
    store.put(it, original);
    if (i % 100000 == 99999)
      std::cerr << "  " << (i + 1) << " items, "
                << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count() << " s\n";
  }
  // One rare subject, to find.
  quarantine::Item rare;
  rare.id = newId();
  rare.time = now - 3600;
  rare.source = "mail";
  rare.subject = "【特定】固定資産税の還付について";
  rare.sender = "rare@example.net";
  rare.recipients = {"zeimu@city.example.lg.jp"};
  rare.verdict = "changed";
  rare.reasons = {"attachment.executable"};
  store.put(rare, original);
}

struct Figures {
  double p50, p95;
};

Figures percentiles(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * static_cast<double>(ms.size())))]; };
  return {at(0.50), at(0.95)};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: mugai_web_search_bench DIR [ITEMS] [ROUNDS]\n";
    return 3;
  }
  const std::string dir = argv[1];
  const int items = argc > 2 ? std::stoi(argv[2]) : 1000000;
  const int rounds = argc > 3 ? std::stoi(argv[3]) : 40;
  if (!fs::exists(fs::path(dir) / "index.sqlite")) {
    std::cerr << "generating " << items << " items in " << dir << " (once)\n";
    generate(dir, items);
  }
  quarantine::Store store(dir);
  if (!store.user("bench")) {
    quarantine::WebUser u;
    u.name = "bench";
    u.role = "admin";
    u.hash = hashPassword("bench password 1234");
    store.addUser(u);
  }
  Config config;
  config.quarantine.dir = dir;
  web::WebConfig webConfig;
  web::Console console(config, webConfig, store, [] { return epochSeconds(); });

  // Log in once; every query reuses the session.
  web::Request login{"GET", "/login", "127.0.0.1", {{"host", "bench"}}, ""};
  auto page = console.handle(login);
  std::string cookie, csrf;
  for (const auto& [k, v] : page.headers)
    if (k == "Set-Cookie" && v.rfind("__Host-mugai=", 0) == 0) cookie = v.substr(0, v.find(';'));
  const auto at = page.body.find("name=\"csrf\" value=\"");
  csrf = page.body.substr(at + 19, 32);
  web::Request post{"POST", "/login", "127.0.0.1",
                    {{"host", "bench"}, {"cookie", cookie}, {"content-type", "application/x-www-form-urlencoded"}},
                    "csrf=" + csrf + "&user=bench&password=bench+password+1234"};
  auto in = console.handle(post);
  for (const auto& [k, v] : in.headers)
    if (k == "Set-Cookie" && v.rfind("__Host-mugai=", 0) == 0) cookie = v.substr(0, v.find(';'));
  std::cerr.setstate(std::ios::failbit);  // the console's access log

  const std::string today = web::jst(epochSeconds()).substr(0, 10);
  struct Query {
    const char* what;
    std::string target;
    quarantine::ListFilter filter;
  };
  auto filter = [](auto set) {
    quarantine::ListFilter f;
    f.limit = 51;
    set(f);
    return f;
  };
  std::vector<Query> queries = {
      {"first page, no filter", "/items", filter([](auto&) {})},
      {"subject 請求書 (10% of items)", "/items?subject=" + web::urlEncode("請求書"), filter([](auto& f) { f.subject = "請求書"; })},
      {"subject, one match in 1M", "/items?subject=" + web::urlEncode("固定資産税"), filter([](auto& f) { f.subject = "固定資産税"; })},
      {"subject of 2 characters (scan)", "/items?subject=" + web::urlEncode("会議"), filter([](auto& f) { f.subject = "会議"; })},
      {"sender substring", "/items?sender=user1234%40", filter([](auto& f) { f.sender = "user1234@"; })},
      {"recipient substring", "/items?recipient=staff42%40", filter([](auto& f) { f.recipient = "staff42@"; })},
      {"one day (JST)", "/items?since=" + today + "&before=" + today, filter([](auto&) {})},
      {"reason code", "/items?reason=archive.encrypted", filter([](auto& f) { f.reason = "archive.encrypted"; })},
      {"verdict rejected", "/items?verdict=rejected", filter([](auto& f) { f.verdict = "rejected"; })},
      {"status held", "/items?status=held", filter([](auto& f) { f.status = "held"; })},
      {"id prefix", "/items?id=ab", filter([](auto& f) { f.idPrefix = "ab"; })},
      {"subject + recipient + reason", "/items?subject=" + web::urlEncode("見積") + "&recipient=staff1&reason=office.vba_removed",
       filter([](auto& f) {
         f.subject = "見積";
         f.recipient = "staff1";
         f.reason = "office.vba_removed";
       })},
      {"page 20, no filter", "/items?page=20", filter([](auto& f) { f.offset = 19 * 50; })},
  };
  queries[6].filter.since = web::jstDayStart(today);
  queries[6].filter.before = web::jstDayStart(today) + 86400;

  std::printf("mugai-web search over %s: %d rounds per query, first page of 50\n", dir.c_str(), rounds);
  std::printf("index.sqlite %.0f MiB (WAL %.0f MiB)\n",
              static_cast<double>(fs::file_size(fs::path(dir) / "index.sqlite")) / 1048576.0,
              fs::exists(fs::path(dir) / "index.sqlite-wal")
                  ? static_cast<double>(fs::file_size(fs::path(dir) / "index.sqlite-wal")) / 1048576.0
                  : 0.0);
  std::printf("%-34s %8s %10s %10s %10s %10s %6s\n", "query", "rows", "list p50", "list p95", "page p50", "page p95", "goal");
  int missed = 0;
  for (const auto& q : queries) {
    std::vector<double> listMs, pageMs;
    std::size_t rows = 0;
    for (int r = 0; r < rounds; ++r) {
      auto t0 = Clock::now();
      rows = store.list(q.filter).size();
      listMs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      web::Request get{"GET", q.target, "127.0.0.1", {{"host", "bench"}, {"cookie", cookie}}, ""};
      t0 = Clock::now();
      auto res = console.handle(get);
      pageMs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (res.status != 200) {
        std::printf("%s: HTTP %d\n", q.what, res.status);
        return 1;
      }
    }
    const auto l = percentiles(listMs), p = percentiles(pageMs);
    const bool ok = p.p95 <= 100.0;
    missed += !ok;
    std::printf("%-34s %8zu %8.1f ms %7.1f ms %7.1f ms %7.1f ms %6s\n", q.what, std::min<std::size_t>(rows, 50), l.p50,
                l.p95, p.p50, p.p95, ok ? "ok" : "MISSED");
  }
  std::printf("goal: p95 <= 100 ms for a filtered first page; %d of %zu queries missed it\n", missed, queries.size());
  return 0;
}
