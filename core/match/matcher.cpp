// See matcher.h.
#include "core/match/matcher.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/match/kernels.h"

namespace mugai::match {

namespace detail {
const Kernel* kernelNamed(std::string_view name);  // dispatch.cpp
}

namespace {

const EVP_MD* digestFor(std::uint32_t kind) {
  switch (static_cast<SigKind>(kind)) {
    case SigKind::Md5: return EVP_md5();
    case SigKind::Sha1: return EVP_sha1();
    case SigKind::Sha256: return EVP_sha256();
    default: return nullptr;
  }
}

constexpr std::size_t kNoLimit = std::numeric_limits<std::size_t>::max();

}  // namespace

Matcher::Matcher(DatabasePtr db, std::string_view kernel)
    : db_(std::move(db)), kernel_(detail::kernelNamed(kernel.empty() ? defaultKernel() : kernel)) {
  matched_.assign(db_->sigs().size(), 0);
}

Matcher::~Matcher() {
  for (auto* ctx : digests_) EVP_MD_CTX_free(ctx);
}

std::string_view Matcher::kernel() const { return kernel_->name; }

void Matcher::onAtom(void* self, std::uint32_t atom, std::uint64_t start) {
  auto& m = *static_cast<Matcher*>(self);
  const Database& db = *m.db_;
  const AtomRec& a = db.atoms()[atom];
  // Streaming seams: report only what the previous scans could not see.
  if (start + a.length <= m.reportEndAfter_ || start >= m.reportStartBefore_) return;
  const std::uint64_t abs = m.base_ + start;
  for (std::uint32_t i = 0; i < a.refsCount; ++i) {
    const AtomRef r = db.refs()[a.refsBegin + i];
    if (m.matched_[r.sig]) continue;
    const SigRec& s = db.sigs()[r.sig];
    const bool single = s.partsCount == 1;
    const auto kind = static_cast<OffsetKind>(s.offsetKind);
    if (single && (kind == OffsetKind::Any || (kind == OffsetKind::Exact && abs == s.offsetA) ||
                   (kind == OffsetKind::Range && abs >= s.offsetA && abs - s.offsetA <= s.offsetB))) {
      m.matched_[r.sig] = 1;
      m.matchedList_.push_back(r.sig);
    } else if (single && kind != OffsetKind::FromEnd) {
      continue;  // a fixed offset this occurrence does not meet
    } else if (m.partials_.size() < kMaxPartials) {
      m.partials_.push_back({r.sig, r.part, abs, abs + a.length});
    } else {
      m.overflow_ = true;
    }
  }
}

void Matcher::scanBuffer(const std::uint8_t* data, std::size_t size, std::uint64_t base, std::size_t reportEndAfter,
                         std::size_t reportStartBefore) {
  if (db_->atoms().empty() || size == 0) return;
  base_ = base;
  reportEndAfter_ = reportEndAfter;
  reportStartBefore_ = reportStartBefore;
  const detail::AtomSink sink{&Matcher::onAtom, this};
  kernel_->scan(*db_, data, size, sink);
}

void Matcher::clearScan() {
  for (auto sig : matchedList_) matched_[sig] = 0;
  matchedList_.clear();
  partials_.clear();
  overflow_ = false;
  carry_.clear();
  total_ = 0;
}

void Matcher::begin() { beginWith(db_->hashKinds()); }

void Matcher::beginWith(std::uint32_t kinds) {
  clearScan();
  kinds_ = kinds;
  for (std::uint32_t kind = 1; kind < 4; ++kind) {
    if (!(kinds_ & (1u << kind))) continue;
    if (!digests_[kind]) digests_[kind] = EVP_MD_CTX_new();
    if (!digests_[kind] || EVP_DigestInit_ex(digests_[kind], digestFor(kind), nullptr) != 1) overflow_ = true;
  }
}

void Matcher::updateDigests(std::span<const std::byte> bytes) {
  for (std::uint32_t kind = 1; kind < 4; ++kind)
    if (digests_[kind] && (kinds_ & (1u << kind)) &&
        EVP_DigestUpdate(digests_[kind], bytes.data(), bytes.size()) != 1)
      overflow_ = true;
}

void Matcher::feed(std::span<const std::byte> chunk) {
  const auto* data = reinterpret_cast<const std::uint8_t*>(chunk.data());
  updateDigests(chunk);
  const std::size_t keep = db_->maxAtomLength() > 0 ? db_->maxAtomLength() - 1 : 0;
  if (keep == 0) {
    scanBuffer(data, chunk.size(), total_, 0, kNoLimit);
  } else if (chunk.size() < 2 * keep + 1) {
    // Short chunk: scan it with the carried bytes in front.
    const std::size_t old = carry_.size();
    carry_.insert(carry_.end(), data, data + chunk.size());
    scanBuffer(carry_.data(), carry_.size(), total_ - old, old, kNoLimit);
    if (carry_.size() > keep) carry_.erase(carry_.begin(), carry_.end() - static_cast<std::ptrdiff_t>(keep));
  } else {
    // The seam (carry + the chunk's first bytes) for occurrences that
    // start in the carry, then the chunk in place.
    const std::size_t old = carry_.size();
    carry_.insert(carry_.end(), data, data + keep);
    scanBuffer(carry_.data(), carry_.size(), total_ - old, old, old);
    scanBuffer(data, chunk.size(), total_, 0, kNoLimit);
    carry_.assign(data + chunk.size() - keep, data + chunk.size());
  }
  total_ += chunk.size();
}

bool Matcher::chainMatches(const SigRec& sig, const Partial* first, const Partial* last) const {
  std::vector<std::uint64_t> reach, next;
  const Partial* p = first;
  for (std::uint32_t part = 0; part < sig.partsCount; ++part) {
    const PartRec& gap = db_->parts()[sig.partsBegin + part];
    next.clear();
    for (; p != last && p->part == part; ++p) {
      if (part == 0) {
        const auto kind = static_cast<OffsetKind>(sig.offsetKind);
        const bool ok = kind == OffsetKind::Any || (kind == OffsetKind::Exact && p->start == sig.offsetA) ||
                        (kind == OffsetKind::Range && p->start >= sig.offsetA && p->start - sig.offsetA <= sig.offsetB) ||
                        (kind == OffsetKind::FromEnd && total_ >= sig.offsetA && p->start == total_ - sig.offsetA);
        if (ok) next.push_back(p->end);
        continue;
      }
      // Some earlier end e with gapMin <= start - e <= gapMax.
      if (p->start < gap.gapMin) continue;
      const std::uint64_t lo = gap.gapMax >= p->start ? 0 : p->start - gap.gapMax;
      const auto it = std::lower_bound(reach.begin(), reach.end(), lo);
      if (it != reach.end() && *it <= p->start - gap.gapMin) next.push_back(p->end);
    }
    if (next.empty()) return false;
    std::sort(next.begin(), next.end());
    next.erase(std::unique(next.begin(), next.end()), next.end());
    reach.swap(next);
  }
  return true;
}

void Matcher::evaluate(MatchResult& result) {
  std::vector<Partial>& sorted = partials_;
  std::sort(sorted.begin(), sorted.end(), [](const Partial& a, const Partial& b) {
    return std::tie(a.sig, a.part, a.start, a.end) < std::tie(b.sig, b.part, b.start, b.end);
  });
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i;
    while (j < sorted.size() && sorted[j].sig == sorted[i].sig) ++j;
    const SigRec& sig = db_->sigs()[sorted[i].sig];
    if (!matched_[sorted[i].sig] && chainMatches(sig, sorted.data() + i, sorted.data() + j))
      result.signatures.push_back(sorted[i].sig);
    i = j;
  }
}

void Matcher::matchHashes(MatchResult& result) {
  const auto hashes = db_->hashes();
  for (std::uint32_t kind = 1; kind < 4; ++kind) {
    if (!(kinds_ & (1u << kind)) || !digests_[kind]) continue;
    std::uint8_t digest[EVP_MAX_MD_SIZE] = {};
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(digests_[kind], digest, &len) != 1) {
      result.overflow = true;
      continue;
    }
    for (const std::uint64_t size : {total_, kAnySize}) {
      HashRec key{};
      std::memcpy(key.digest, digest, std::min<unsigned>(len, 32));
      key.size = size;
      key.kind = kind;
      auto less = [](const HashRec& x, const HashRec& y) {
        return std::tie(x.kind, x.size) < std::tie(y.kind, y.size) ||
               (x.kind == y.kind && x.size == y.size && std::memcmp(x.digest, y.digest, 32) < 0);
      };
      for (auto it = std::lower_bound(hashes.begin(), hashes.end(), key, less);
           it != hashes.end() && !less(key, *it); ++it)
        result.signatures.push_back(it->sig);
    }
  }
}

MatchResult Matcher::finish() {
  MatchResult result;
  result.signatures = matchedList_;
  evaluate(result);
  matchHashes(result);
  result.overflow = result.overflow || overflow_;
  std::sort(result.signatures.begin(), result.signatures.end());
  result.signatures.erase(std::unique(result.signatures.begin(), result.signatures.end()), result.signatures.end());
  clearScan();  // the digests were finalised; begin() starts them again
  return result;
}

MatchResult Matcher::scan(std::span<const std::byte> bytes) {
  beginWith(db_->hashKindsFor(bytes.size()));  // the size is known: only digests that can match
  updateDigests(bytes);
  scanBuffer(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), 0, 0, kNoLimit);
  total_ = bytes.size();
  return finish();
}

void Matcher::scanAtoms(std::span<const std::byte> bytes,
                        const std::function<void(std::uint32_t, std::uint64_t)>& onAtom) const {
  const detail::AtomSink sink{[](void* ctx, std::uint32_t atom, std::uint64_t start) {
                                (*static_cast<const std::function<void(std::uint32_t, std::uint64_t)>*>(ctx))(atom, start);
                              },
                              const_cast<std::function<void(std::uint32_t, std::uint64_t)>*>(&onAtom)};
  kernel_->scan(*db_, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), sink);
}

std::uint64_t Matcher::countAtoms(std::span<const std::byte> bytes) const {
  std::uint64_t n = 0;
  const detail::AtomSink sink{[](void* ctx, std::uint32_t, std::uint64_t) { ++*static_cast<std::uint64_t*>(ctx); }, &n};
  kernel_->scan(*db_, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), sink);
  return n;
}

}  // namespace mugai::match
