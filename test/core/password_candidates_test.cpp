// Passwords quoted in PPAP mails, as Japanese offices write them.
#include <catch2/catch_test_macros.hpp>

#include "core/password_candidates.h"

using mugai::passwordCandidates;
using V = std::vector<std::string>;

TEST_CASE("password candidates: the phrasings PPAP mails use", "[password]") {
  CHECK(passwordCandidates("パスワード：Ab3$kx9!") == V{"Ab3$kx9!"});
  CHECK(passwordCandidates("パスワード: infected\r\n") == V{"infected"});
  CHECK(passwordCandidates("先ほどのファイルのパスワードは「x7Kp2qRt」です。") == V{"x7Kp2qRt"});
  CHECK(passwordCandidates("【パスワード】 2024mitsumori") == V{"2024mitsumori"});
  CHECK(passwordCandidates("解凍パスワードをお送りします。\nHg7#pL2m\nよろしくお願いします。") == V{"Hg7#pL2m"});
  CHECK(passwordCandidates("Password: s3cr3t-pw") == V{"s3cr3t-pw"});
  CHECK(passwordCandidates("PW=qwer1234") == V{"qwer1234"});
  CHECK(passwordCandidates("ﾊﾟｽﾜｰﾄﾞ：abcd1234") == V{"abcd1234"});
}

TEST_CASE("password candidates: ordinary text yields nothing", "[password]") {
  CHECK(passwordCandidates("お世話になっております。見積書を添付いたします。").empty());
  CHECK(passwordCandidates("パスワードは別途お送りします。").empty());
  CHECK(passwordCandidates("pw: ab").empty());  // too short to be one
  std::string many;
  for (int i = 0; i < 50; ++i) many += "password: candidate" + std::to_string(i) + "\n";
  CHECK(passwordCandidates(many).size() == 20);  // capped
}
