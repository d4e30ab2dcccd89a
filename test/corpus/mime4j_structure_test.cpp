// mime4j ships the expected structure of its test messages (*.xml next to
// each *.msg). Our tree must have the same shape (message / multipart /
// leaf, in order) and the same content types. Known, explained differences
// are listed in mime4j_known_differences.tsv; any other difference, or a
// listed one that no longer differs, fails. Where the list claims the
// difference is safe because the part is removed, that is checked too: the
// node is removed by the parser, and the text mime4j sees in that part is
// not in our output.
#include <catch2/catch_test_macros.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "test/common/corpus.h"

using namespace mugai;
namespace fs = std::filesystem;

namespace {

std::string unescapeXml(std::string s) {
  static const std::pair<const char*, const char*> kEnt[] = {{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (auto [from, to] : kEnt)
    for (std::size_t p; (p = s.find(from)) != std::string::npos;) s.replace(p, std::strlen(from), to);
  return s;
}

std::string mediaType(const std::string& fieldValue) {
  std::string v = toLower(fieldValue.substr(0, fieldValue.find(';')));
  v.erase(std::remove_if(v.begin(), v.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }), v.end());
  return v;
}

// Shape from the XML: "message", "multipart:<type>", "leaf:<type>", preorder.
std::vector<std::string> xmlShape(const std::string& xml) {
  std::vector<std::string> out;
  std::regex tag(R"(<(/?)(message|multipart|body-part|body|header|field)>)");
  std::string lastType;  // Content-Type of the innermost header seen
  std::vector<std::string> parentMultipart;
  std::size_t fieldStart = 0;
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), tag); it != std::sregex_iterator(); ++it) {
    std::string name = (*it)[2];
    bool close = (*it)[1].length() > 0;
    auto pos = static_cast<std::size_t>(it->position());
    if (name == "header" && !close) lastType.clear();
    if (name == "field" && !close) fieldStart = pos + it->length();
    if (name == "field" && close) {
      std::string f = unescapeXml(xml.substr(fieldStart, pos - fieldStart));
      while (!f.empty() && (f[0] == '\n' || f[0] == '\r')) f.erase(0, 1);
      if (f.size() > 13 && toLower(f.substr(0, 13)) == "content-type:" && lastType.empty()) lastType = mediaType(f.substr(13));
    }
    if (close) {
      if (name == "multipart") parentMultipart.pop_back();
      continue;
    }
    bool digest = !parentMultipart.empty() && parentMultipart.back() == "multipart/digest";
    std::string type = lastType.empty() ? (digest ? "message/rfc822" : "text/plain") : lastType;
    if (name == "message") out.push_back("message");
    if (name == "multipart") {
      out.push_back("multipart:" + type);
      parentMultipart.push_back(type);
    }
    if (name == "body") out.push_back("leaf:" + type);
  }
  return out;
}

std::vector<std::string> ourShape(const Node& root) {
  std::vector<std::string> out;
  root.forEach([&](const Node& n) {
    if (n.kind == NodeKind::Message) out.push_back("message");
    if (n.kind == NodeKind::Multipart) out.push_back("multipart:" + n.declaredType);
    if (n.kind == NodeKind::Leaf) out.push_back("leaf:" + n.declaredType);
  });
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

// "PATH=MARKER": the node at PATH was removed by the parser for a critical
// finding, and MARKER is nowhere in the rebuilt message.
void checkRemoved(const MailOutcome& o, const std::string& name, const std::string& claim) {
  INFO(name << ": claimed " << claim);
  const std::string path = claim.substr(0, claim.find('='));
  const std::string marker = claim.substr(claim.find('=') + 1);
  const Node* node = nullptr;
  o.input.root->forEach([&](const Node& n) {
    if (n.path == path) node = &n;
  });
  REQUIRE(node);
  CHECK(node->action == Action::Remove);
  CHECK(node->decidedBy == "parser");
  bool critical = false;
  for (const auto& f : o.findings) critical = critical || (f.critical && f.code == node->reasonCode);
  CHECK(critical);
  REQUIRE_FALSE(marker.empty());
  CHECK(o.output.find(marker) == std::string::npos);
}

}  // namespace

TEST_CASE("our tree matches mime4j's expected structures", "[corpus][mime4j]") {
  std::set<std::string> known;
  std::map<std::string, std::string> removedClaim;  // message -> "PATH=MARKER"
  {
    std::ifstream f(std::string(MUGAI_SOURCE_DIR) + "/test/corpus/mime4j_known_differences.tsv");
    REQUIRE(f.good());
    for (std::string l; std::getline(f, l);) {
      if (l.empty() || l[0] == '#') continue;
      auto t1 = l.find('\t'), t2 = l.find('\t', t1 + 1);
      REQUIRE(t2 != std::string::npos);
      known.insert(l.substr(0, t1));
      if (std::string claim = l.substr(t1 + 1, t2 - t1 - 1); claim != "-") removedClaim[l.substr(0, t1)] = claim;
    }
  }
  fs::path base = test::corpora() / "mime4j/core/src/test/resources";
  int compared = 0, claims = 0;
  std::vector<std::string> unexpected, fixed;
  for (const char* dir : {"testmsgs", "mimetools-testmsgs"}) {
    for (const auto& e : fs::directory_iterator(base / dir)) {
      if (e.path().extension() != ".msg") continue;
      fs::path xml = e.path();
      xml.replace_extension(".xml");
      if (!fs::exists(xml)) continue;
      std::string name = std::string(dir) + "/" + e.path().filename().string();
      auto o = test::runIdentity(test::readFile(e.path()));
      auto want = xmlShape(test::readFile(xml));
      auto got = ourShape(*o.input.root);
      ++compared;
      bool differs = want != got;
      if (differs && !known.count(name)) unexpected.push_back(name + "\n  mime4j: " + join(want) + "\n  mugai:  " + join(got));
      if (!differs && known.count(name)) fixed.push_back(name);
      if (auto c = removedClaim.find(name); c != removedClaim.end()) {
        checkRemoved(o, name, c->second);
        ++claims;
      }
    }
  }
  CHECK(compared >= 70);
  CHECK(claims == static_cast<int>(removedClaim.size()));  // every claim was checked
  for (const auto& u : unexpected) UNSCOPED_INFO("differs: " << u);
  CHECK(unexpected.empty());
  for (const auto& f : fixed) UNSCOPED_INFO("listed as different but now agrees: " << f);
  CHECK(fixed.empty());
}
