// The reference kernel: a textbook Aho–Corasick automaton over every atom's
// run of exact bytes (its anchor), then the same exact check as the
// filters. It shares nothing with the filters but that check and the
// database's atom table, which is what makes it a useful referee: the
// kernels must report exactly its (atom, start) set. It is also the
// fallback a user can force (MUGAI_FORCE_ISA=reference) if a filter kernel
// is ever suspected. Slow by design: one automaton step per byte.
#include <mutex>
#include <queue>
#include <utility>
#include <vector>

#include "core/match/kernels.h"

namespace mugai::match {

namespace detail {

struct AhoCorasick {
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  std::vector<std::vector<std::pair<std::uint8_t, std::uint32_t>>> children{1};
  std::vector<std::uint32_t> fail{0};
  std::vector<std::uint32_t> outLink{kNone};  ///< nearest suffix state with outputs
  std::vector<std::uint32_t> depth{0};
  std::vector<std::vector<std::uint32_t>> out{1};  ///< atoms whose anchor ends here

  std::uint32_t child(std::uint32_t s, std::uint8_t c) const {
    for (const auto& [b, t] : children[s])
      if (b == c) return t;
    return kNone;
  }

  explicit AhoCorasick(const Database& db) {
    const auto atoms = db.atoms();
    const std::uint8_t* data = db.atomData().data();
    for (std::uint32_t id = 0; id < atoms.size(); ++id) {
      const AtomRec& a = atoms[id];
      std::uint32_t s = 0;
      for (std::uint32_t i = 0; i < a.anchorLength; ++i) {
        const std::uint8_t c = data[a.dataOffset + a.anchorBegin + i];
        std::uint32_t t = child(s, c);
        if (t == kNone) {
          t = static_cast<std::uint32_t>(children.size());
          children.emplace_back();
          fail.push_back(0);
          outLink.push_back(kNone);
          depth.push_back(depth[s] + 1);
          out.emplace_back();
          children[s].push_back({c, t});
        }
        s = t;
      }
      out[s].push_back(id);
    }
    std::queue<std::uint32_t> bfs;
    for (const auto& [c, t] : children[0]) bfs.push(t);
    while (!bfs.empty()) {
      const std::uint32_t u = bfs.front();
      bfs.pop();
      for (const auto& [c, v] : children[u]) {
        std::uint32_t f = fail[u];
        while (f != 0 && child(f, c) == kNone) f = fail[f];
        const std::uint32_t t = u == 0 ? kNone : child(f, c);
        fail[v] = (t == kNone || t == v) ? 0 : t;
        outLink[v] = !out[fail[v]].empty() ? fail[v] : outLink[fail[v]];
        bfs.push(v);
      }
    }
  }
};

namespace {

void scanReference(const Database& db, const std::uint8_t* data, std::size_t size, const AtomSink& sink) {
  const AhoCorasick& ac = db.referenceAutomaton();
  const Confirm c(db, data, size, sink);
  const auto atoms = db.atoms();
  std::uint32_t s = 0;
  for (std::size_t i = 0; i < size; ++i) {
    std::uint32_t t;
    while ((t = ac.child(s, data[i])) == AhoCorasick::kNone && s != 0) s = ac.fail[s];
    s = t == AhoCorasick::kNone ? 0 : t;
    for (std::uint32_t o = ac.out[s].empty() ? ac.outLink[s] : s; o != AhoCorasick::kNone; o = ac.outLink[o])
      for (const std::uint32_t id : ac.out[o]) {
        const std::size_t anchorStart = i + 1 - ac.depth[o];
        if (anchorStart >= atoms[id].anchorBegin && c.matches(id, anchorStart - atoms[id].anchorBegin))
          sink(id, anchorStart - atoms[id].anchorBegin);
      }
  }
}

}  // namespace

const Kernel kReferenceKernel{"reference", scanReference};

}  // namespace detail

const detail::AhoCorasick& Database::referenceAutomaton() const {
  std::call_once(referenceOnce_, [this] {
    reference_ = {new detail::AhoCorasick(*this), [](detail::AhoCorasick* p) { delete p; }};
  });
  return *reference_;
}

}  // namespace mugai::match
