// See database.h. compile() builds the sections in vectors, then lays them
// out one after another (64-byte aligned) behind a header; bind() points the
// spans into the blob after checking every section against the blob's size.
#include "core/match/database.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <unordered_map>
#include <vector>

#include "core/c_handles.h"
#include "core/durable_file.h"

namespace mugai::match {
namespace {

constexpr char kMagic[8] = {'M', 'U', 'G', 'A', 'I', 'S', 'I', 'G'};
constexpr std::uint32_t kVersion = 2;

enum Section : std::uint32_t {
  kAtoms, kAtomData, kRefs, kSigs, kParts, kNames, kGroups, kBitmaps, kBuckets, kEntries, kTeddy, kHashes, kSectionCount
};

struct SectionRec {
  std::uint64_t offset;
  std::uint64_t size;
};

struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t sectionCount;
  std::uint64_t totalSize;
  std::uint32_t crc;  ///< zlib crc32 of the whole blob with this field zero
  std::uint32_t maxAtomLength;
  std::uint32_t hashKinds;
  std::uint32_t reserved;
  SectionRec sections[kSectionCount];
};

std::uint32_t blobCrc(const std::byte* blob, std::size_t size) {
  Header h;
  std::memcpy(&h, blob, sizeof h);
  h.crc = 0;
  uLong crc = crc32(0, reinterpret_cast<const Bytef*>(&h), sizeof h);
  const std::byte* p = blob + sizeof h;
  std::size_t left = size - sizeof h;
  while (left > 0) {  // crc32 takes a uInt length
    const auto n = static_cast<uInt>(std::min<std::size_t>(left, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(p), n);
    p += n;
    left -= n;
  }
  return static_cast<std::uint32_t>(crc);
}

std::uint32_t ceilLog2(std::uint64_t v) { return v <= 1 ? 0 : 64 - std::countl_zero(v - 1); }

std::uint32_t loadKey(const std::uint8_t* p, std::uint32_t window) {
  std::uint32_t k = 0;
  std::memcpy(&k, p, window);
  return k;
}

/// How many windows of `window` bytes an atom's exact run can give, so
/// that stride s works (s consecutive windows inside the run).
std::uint32_t maxStride(std::uint32_t run) {
  if (run >= 11) return 8;
  if (run >= 7) return 4;
  if (run >= 5) return 2;
  if (run >= 4) return 1;
  return 0;
}

std::size_t distinctBytes(const std::uint8_t* p, std::size_t n) {
  bool seen[256] = {};
  std::size_t d = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (!seen[p[i]]) seen[p[i]] = true, ++d;
  return d;
}

struct Builder {
  std::vector<AtomRec> atoms;
  std::vector<std::uint8_t> atomData;
  std::vector<std::vector<AtomRef>> atomRefs;
  std::vector<AtomRef> refs;
  std::vector<SigRec> sigs;
  std::vector<PartRec> parts;
  std::string names;
  std::vector<HashGroup> groups;
  std::vector<std::uint32_t> bitmaps;
  std::vector<std::uint32_t> buckets;
  std::vector<FilterEntry> entries;
  TeddyRec teddy{};
  std::vector<HashRec> hashes;
  std::unordered_map<std::string, std::uint32_t> atomIds;
  std::uint32_t maxAtomLength = 0;
  std::uint32_t hashKinds = 0;

  const std::uint8_t* values(const AtomRec& a) const { return atomData.data() + a.dataOffset; }

  std::uint32_t atomFor(const Pattern& p) {
    std::string key;
    for (auto b : p) key.push_back(static_cast<char>(b.value)), key.push_back(static_cast<char>(b.mask));
    auto [it, added] = atomIds.emplace(key, static_cast<std::uint32_t>(atoms.size()));
    if (!added) return it->second;
    const FixedRun run = bestFixedRun(p);
    AtomRec a{static_cast<std::uint32_t>(atomData.size()), static_cast<std::uint32_t>(p.size()), 0, 0,
              static_cast<std::uint32_t>(run.begin), static_cast<std::uint32_t>(run.length)};
    for (auto b : p) atomData.push_back(b.value & b.mask);
    for (auto b : p) atomData.push_back(b.mask);
    atoms.push_back(a);
    atomRefs.emplace_back();
    maxAtomLength = std::max(maxAtomLength, a.length);
    return it->second;
  }

  void addSignature(const Signature& s) {
    const auto id = static_cast<std::uint32_t>(sigs.size());
    SigRec r{};
    r.nameOffset = static_cast<std::uint32_t>(names.size());
    r.nameLength = static_cast<std::uint32_t>(s.name.size());
    names += s.name;
    r.kind = static_cast<std::uint8_t>(s.kind);
    r.target = s.target;
    r.offsetKind = static_cast<std::uint8_t>(s.offsetKind);
    r.offsetA = s.offsetA;
    r.offsetB = s.offsetB;
    if (s.kind != SigKind::Body) {
      HashRec h{};
      std::memcpy(h.digest, s.digest.data(), std::min<std::size_t>(s.digest.size(), 32));
      h.size = s.size;
      h.sig = id;
      h.kind = static_cast<std::uint32_t>(s.kind);
      hashes.push_back(h);
      hashKinds |= 1u << h.kind;
      sigs.push_back(r);
      return;
    }
    r.partsBegin = static_cast<std::uint32_t>(parts.size());
    r.partsCount = static_cast<std::uint32_t>(s.parts.size());
    r.simple = s.parts.size() == 1 && s.offsetKind == OffsetKind::Any;
    for (std::uint32_t i = 0; i < s.parts.size(); ++i) {
      parts.push_back({s.parts[i].gapMin, s.parts[i].gapMax});
      for (const auto& v : s.parts[i].variants) {
        auto& list = atomRefs[atomFor(v)];
        if (list.empty() || list.back().sig != id || list.back().part != i) list.push_back({id, i});
      }
    }
    sigs.push_back(r);
  }

  /// The first window offset o0 such that windows o0 .. o0+stride-1 fit in
  /// the atom's run, choosing the placement whose weakest window has the
  /// most distinct bytes (a window of zeros would flood the confirm step).
  std::uint32_t windowStart(const AtomRec& a, std::uint32_t stride, std::uint32_t window) const {
    const std::uint32_t last = a.anchorBegin + a.anchorLength - (stride - 1) - window;
    std::uint32_t best = a.anchorBegin;
    std::size_t bestScore = 0;
    for (std::uint32_t o = a.anchorBegin; o <= last; ++o) {
      std::size_t score = window;
      for (std::uint32_t k = 0; k < stride; ++k) score = std::min(score, distinctBytes(values(a) + o + k, window));
      if (score > bestScore) best = o, bestScore = score;
    }
    return best;
  }

  void addHashGroup(const std::vector<std::uint32_t>& members, std::uint32_t stride, std::uint32_t window) {
    HashGroup g{};
    g.stride = stride;
    g.window = window;
    std::vector<FilterEntry> list;
    for (auto id : members) {
      const std::uint32_t o0 = windowStart(atoms[id], stride, window);
      for (std::uint32_t k = 0; k < stride; ++k)
        list.push_back({loadKey(values(atoms[id]) + o0 + k, window), id, o0 + k});
    }
    if (window == 2) {
      g.bitmapBits = 16;
      g.bucketBits = 16;
    } else {
      g.bitmapBits = std::clamp<std::uint32_t>(ceilLog2(list.size() * 64), 10, 23);
      g.bucketBits = std::clamp<std::uint32_t>(ceilLog2(list.size()) + 1, 4, 22);
    }
    auto index = [&](std::uint32_t key, std::uint32_t bits) {
      return window == 2 ? key : windowHash(key) >> (32 - bits);
    };
    g.bitmapWord = static_cast<std::uint32_t>(bitmaps.size());
    bitmaps.resize(bitmaps.size() + ((std::size_t{1} << g.bitmapBits) + 31) / 32, 0);
    for (const auto& e : list) {
      std::uint32_t* bm = bitmaps.data() + g.bitmapWord;
      if (window == 2) {
        bm[e.key >> 5] |= 1u << (e.key & 31);
      } else {
        const std::uint32_t b = (e.key * kBitHash) >> 22;
        bm[windowHash(e.key) >> (32 - (g.bitmapBits - 5))] |= 1u << (b & 31) | 1u << (b >> 5);
      }
    }
    std::stable_sort(list.begin(), list.end(), [&](const FilterEntry& x, const FilterEntry& y) {
      return index(x.key, g.bucketBits) < index(y.key, g.bucketBits);
    });
    g.bucketFirst = static_cast<std::uint32_t>(buckets.size());
    g.entryFirst = static_cast<std::uint32_t>(entries.size());
    g.entryCount = static_cast<std::uint32_t>(list.size());
    const std::size_t nb = std::size_t{1} << g.bucketBits;
    std::size_t e = 0;
    for (std::size_t b = 0; b <= nb; ++b) {
      while (e < list.size() && index(list[e].key, g.bucketBits) < b) ++e;
      buckets.push_back(static_cast<std::uint32_t>(e));
    }
    entries.insert(entries.end(), list.begin(), list.end());
    groups.push_back(g);
  }

  /// Where an atom's Teddy fingerprint starts: at its exact run, moved
  /// left when the atom ends before `fp` bytes.
  std::uint32_t fingerprintStart(const AtomRec& a, std::uint32_t fp) const {
    return a.anchorBegin + fp <= a.length ? a.anchorBegin : a.length - fp;
  }

  void addTeddy(std::vector<std::uint32_t> members) {
    // Four bytes when every atom has them: a byte of an atom's window that
    // is not exact (past a short run) lets every nibble through for that
    // atom's bucket only, which costs far less than a shorter fingerprint
    // for all buckets.
    std::uint32_t fp = kTeddyMaxFingerprint;
    for (auto id : members) fp = std::min(fp, atoms[id].length);
    teddy.fingerprint = fp;
    auto exactBytes = [&](std::uint32_t id) {
      const AtomRec& a = atoms[id];
      const std::uint8_t* m = values(a) + a.length + fingerprintStart(a, fp);
      return std::count(m, m + fp, 0xFF);
    };
    // Atoms with the weakest windows share buckets; neighbours in sorted
    // order share nibbles, so each bucket's tables stay sparse.
    std::sort(members.begin(), members.end(), [&](std::uint32_t x, std::uint32_t y) {
      const auto ex = exactBytes(x), ey = exactBytes(y);
      if (ex != ey) return ex < ey;
      return std::memcmp(values(atoms[x]) + fingerprintStart(atoms[x], fp),
                         values(atoms[y]) + fingerprintStart(atoms[y], fp), fp) < 0;
    });
    teddy.entryFirst = static_cast<std::uint32_t>(entries.size());
    for (std::size_t b = 0; b < kTeddyBuckets; ++b) {
      teddy.bucketBegin[b] = static_cast<std::uint32_t>(entries.size() - teddy.entryFirst);
      const std::size_t from = b * members.size() / kTeddyBuckets, to = (b + 1) * members.size() / kTeddyBuckets;
      const auto bit = static_cast<std::uint8_t>(1u << b);
      for (std::size_t i = from; i < to; ++i) {
        const AtomRec& a = atoms[members[i]];
        const std::uint32_t start = fingerprintStart(a, fp);
        const std::uint8_t* v = values(a) + start;
        const std::uint8_t* m = values(a) + a.length + start;
        for (std::uint32_t j = 0; j < fp; ++j) {
          for (int n = 0; n < 16; ++n) {
            if ((m[j] & 0x0F) != 0x0F || n == (v[j] & 15)) teddy.lo[j][n] |= bit;
            if ((m[j] & 0xF0) != 0xF0 || n == (v[j] >> 4)) teddy.hi[j][n] |= bit;
          }
        }
        entries.push_back({loadKey(v, fp), members[i], start});
      }
    }
    teddy.bucketBegin[kTeddyBuckets] = static_cast<std::uint32_t>(entries.size() - teddy.entryFirst);
  }

  void buildFilters() {
    std::vector<std::uint32_t> longRun, run4to6, run2to3;
    for (std::uint32_t id = 0; id < atoms.size(); ++id) {
      const auto r = atoms[id].anchorLength;
      (r >= 7 ? longRun : r >= 4 ? run4to6 : run2to3).push_back(id);
    }
    std::vector<std::uint32_t> teddyAtoms;
    if (run4to6.size() + run2to3.size() <= kTeddyMaxAtoms) {
      teddyAtoms = run4to6;
      teddyAtoms.insert(teddyAtoms.end(), run2to3.begin(), run2to3.end());
      run4to6.clear();
      run2to3.clear();
    } else if (run2to3.size() <= kTeddyMaxAtoms) {
      teddyAtoms = std::move(run2to3);
      run2to3.clear();
    }
    // One stride-1/2 pass over every position costs more than the
    // long-run atoms' own stride-4/8 pass saves: merge them into it.
    std::uint32_t shortStride = 8;
    for (auto id : run4to6) shortStride = std::min(shortStride, maxStride(atoms[id].anchorLength));
    if (!run4to6.empty()) {
      run4to6.insert(run4to6.end(), longRun.begin(), longRun.end());
      longRun.clear();
      addHashGroup(run4to6, shortStride, 4);
    }
    std::uint32_t longStride = 8;
    for (auto id : longRun) longStride = std::min(longStride, maxStride(atoms[id].anchorLength));
    if (!longRun.empty()) addHashGroup(longRun, longStride, 4);
    if (!run2to3.empty()) addHashGroup(run2to3, 1, 2);
    if (!teddyAtoms.empty()) addTeddy(std::move(teddyAtoms));
  }

  void flattenRefs() {
    for (std::size_t i = 0; i < atoms.size(); ++i) {
      atoms[i].refsBegin = static_cast<std::uint32_t>(refs.size());
      atoms[i].refsCount = static_cast<std::uint32_t>(atomRefs[i].size());
      refs.insert(refs.end(), atomRefs[i].begin(), atomRefs[i].end());
    }
  }
};

template <typename T>
void append(std::vector<std::byte>& out, SectionRec& rec, const T* data, std::size_t count) {
  out.resize((out.size() + 63) / 64 * 64);
  rec.offset = out.size();
  rec.size = count * sizeof(T);
  const auto* p = reinterpret_cast<const std::byte*>(data);
  out.insert(out.end(), p, p + rec.size);
}

}  // namespace

std::shared_ptr<const Database> Database::compile(const SignatureSet& set, std::string& error) {
  Builder b;
  for (const auto& s : set.signatures) b.addSignature(s);
  if (b.atoms.size() >= (1u << 31) || b.atomData.size() >= (1ull << 32) || b.names.size() >= (1ull << 32)) {
    error = "too many signatures for one database";
    return nullptr;
  }
  b.flattenRefs();
  b.buildFilters();
  std::sort(b.hashes.begin(), b.hashes.end(), [](const HashRec& x, const HashRec& y) {
    return std::tie(x.kind, x.size) < std::tie(y.kind, y.size) ||
           (x.kind == y.kind && x.size == y.size && std::memcmp(x.digest, y.digest, 32) < 0);
  });

  std::vector<std::byte> out(sizeof(Header));
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.sectionCount = kSectionCount;
  h.maxAtomLength = b.maxAtomLength;
  h.hashKinds = b.hashKinds;
  append(out, h.sections[kAtoms], b.atoms.data(), b.atoms.size());
  append(out, h.sections[kAtomData], b.atomData.data(), b.atomData.size());
  append(out, h.sections[kRefs], b.refs.data(), b.refs.size());
  append(out, h.sections[kSigs], b.sigs.data(), b.sigs.size());
  append(out, h.sections[kParts], b.parts.data(), b.parts.size());
  append(out, h.sections[kNames], b.names.data(), b.names.size());
  append(out, h.sections[kGroups], b.groups.data(), b.groups.size());
  append(out, h.sections[kBitmaps], b.bitmaps.data(), b.bitmaps.size());
  append(out, h.sections[kBuckets], b.buckets.data(), b.buckets.size());
  append(out, h.sections[kEntries], b.entries.data(), b.entries.size());
  append(out, h.sections[kTeddy], &b.teddy, 1);
  append(out, h.sections[kHashes], b.hashes.data(), b.hashes.size());
  out.resize((out.size() + 63) / 64 * 64);
  h.totalSize = out.size();
  std::memcpy(out.data(), &h, sizeof h);
  h.crc = blobCrc(out.data(), out.size());
  std::memcpy(out.data(), &h, sizeof h);

  std::shared_ptr<Database> db(new Database());
  db->owned_ = std::make_unique<std::byte[]>(out.size());
  std::memcpy(db->owned_.get(), out.data(), out.size());
  db->blob_ = db->owned_.get();
  db->size_ = out.size();
  if (!db->bind(error)) return nullptr;
  return db;
}

bool Database::bind(std::string& error) {
  if (size_ < sizeof(Header) || std::memcmp(blob_, kMagic, sizeof kMagic) != 0) {
    error = "not a mugai signature database";
    return false;
  }
  Header h;
  std::memcpy(&h, blob_, sizeof h);
  if (h.version != kVersion) {
    error = "database format version " + std::to_string(h.version) + ", this mugai reads version " +
            std::to_string(kVersion) + " (run `mugai sigs compile` again)";
    return false;
  }
  if (h.totalSize != size_ || h.sectionCount != kSectionCount) {
    error = "truncated or damaged database (" + std::to_string(size_) + " bytes, header says " +
            std::to_string(h.totalSize) + ")";
    return false;
  }
  if (blobCrc(blob_, size_) != h.crc) {
    error = "checksum mismatch: the database file is damaged";
    return false;
  }
  bool ok = true;
  auto view = [&]<typename T>(std::span<const T>& s, Section sec) {
    const SectionRec r = h.sections[sec];
    if (r.offset > size_ || r.size > size_ - r.offset || r.size % sizeof(T) != 0 || r.offset % alignof(T) != 0) {
      ok = false;
      return;
    }
    s = {reinterpret_cast<const T*>(blob_ + r.offset), r.size / sizeof(T)};
  };
  view(atoms_, kAtoms);
  view(atomData_, kAtomData);
  view(refs_, kRefs);
  view(sigs_, kSigs);
  view(parts_, kParts);
  view(names_, kNames);
  view(groups_, kGroups);
  view(bitmaps_, kBitmaps);
  view(buckets_, kBuckets);
  view(entries_, kEntries);
  std::span<const TeddyRec> teddy;
  view(teddy, kTeddy);
  view(hashes_, kHashes);
  if (ok && teddy.size() != 1) ok = false;
  // Cross-references: a damaged-but-checksummed blob cannot be built by
  // compile(), but a hand-edited one must still not read out of bounds.
  for (const auto& a : atoms_)
    ok = ok && a.dataOffset <= atomData_.size() && std::uint64_t{a.length} * 2 <= atomData_.size() - a.dataOffset &&
         a.refsBegin <= refs_.size() && a.refsCount <= refs_.size() - a.refsBegin &&
         std::uint64_t{a.anchorBegin} + a.anchorLength <= a.length && a.length <= h.maxAtomLength;
  for (const auto& r : refs_) ok = ok && r.sig < sigs_.size();
  for (const auto& s : sigs_)
    ok = ok && s.nameOffset <= names_.size() && s.nameLength <= names_.size() - s.nameOffset &&
         s.partsBegin <= parts_.size() && s.partsCount <= parts_.size() - s.partsBegin;
  for (const auto& r : refs_) ok = ok && r.part < sigs_[r.sig].partsCount;
  for (const auto& e : entries_) ok = ok && e.atom < atoms_.size() && e.offset < atoms_[e.atom].length;
  for (const auto& g : groups_)
    ok = ok && (g.window == 2 || g.window == 4) && g.stride >= 1 && g.stride <= 8 && g.bitmapBits <= 23 &&
         g.bucketBits <= 22 && g.bitmapWord <= bitmaps_.size() &&
         ((std::size_t{1} << g.bitmapBits) + 31) / 32 <= bitmaps_.size() - g.bitmapWord &&
         g.bucketFirst <= buckets_.size() && (std::size_t{1} << g.bucketBits) + 1 <= buckets_.size() - g.bucketFirst &&
         g.entryFirst <= entries_.size() && g.entryCount <= entries_.size() - g.entryFirst;
  for (const auto& g : groups_)
    if (ok)
      for (std::size_t b = 0; b <= (std::size_t{1} << g.bucketBits); ++b)
        ok = ok && buckets_[g.bucketFirst + b] <= g.entryCount;
  for (const auto& hr : hashes_) ok = ok && hr.sig < sigs_.size();
  if (ok) {
    teddy_ = &teddy[0];
    ok = teddy_->fingerprint <= kTeddyMaxFingerprint && teddy_->entryFirst <= entries_.size() &&
         teddy_->bucketBegin[kTeddyBuckets] <= entries_.size() - teddy_->entryFirst;
    for (std::size_t b = 0; b < kTeddyBuckets; ++b)
      ok = ok && teddy_->bucketBegin[b] <= teddy_->bucketBegin[b + 1];
  }
  if (!ok) {
    error = "damaged database: a section or reference is out of bounds";
    return false;
  }
  maxAtomLength_ = h.maxAtomLength;
  hashKinds_ = h.hashKinds;
  return true;
}

std::shared_ptr<const Database> Database::load(const std::filesystem::path& path, std::string& error) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    error = "cannot open " + path.string() + ": " + std::strerror(errno);
    return nullptr;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || st.st_size < static_cast<off_t>(sizeof(Header))) {
    error = path.string() + ": not a mugai signature database (too short)";
    return nullptr;
  }
  void* map = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (map == MAP_FAILED) {
    error = "cannot map " + path.string() + ": " + std::strerror(errno);
    return nullptr;
  }
  std::shared_ptr<Database> db(new Database());
  db->map_ = map;
  db->size_ = static_cast<std::size_t>(st.st_size);
  db->blob_ = static_cast<const std::byte*>(map);
  if (!db->bind(error)) {
    error = path.string() + ": " + error;
    return nullptr;
  }
  return db;
}

bool Database::isCacheFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[sizeof kMagic] = {};
  return in.read(magic, sizeof magic) && std::memcmp(magic, kMagic, sizeof kMagic) == 0;
}

bool Database::save(const std::filesystem::path& path, std::string& error) const {
  error = writeFileDurably(path.string(), std::string_view(reinterpret_cast<const char*>(blob_), size_));
  return error.empty();
}

Database::~Database() {
  if (map_) ::munmap(map_, size_);
}

std::string_view Database::name(std::uint32_t sig) const {
  const SigRec& s = sigs_[sig];
  return {names_.data() + s.nameOffset, s.nameLength};
}

DatabaseInfo Database::info() const {
  DatabaseInfo i;
  for (const auto& s : sigs_) (s.kind == static_cast<std::uint8_t>(SigKind::Body) ? i.bodySignatures : i.hashSignatures)++;
  i.atoms = atoms_.size();
  i.hashGroups = groups_.size();
  i.teddyAtoms = teddy_->bucketBegin[kTeddyBuckets];
  i.blobBytes = size_;
  for (const auto& g : groups_) {
    if (!i.groups.empty()) i.groups += "; ";
    i.groups += "stride " + std::to_string(g.stride) + " x " + std::to_string(g.window) + "-byte windows: " +
                std::to_string(g.entryCount / g.stride) + " atoms";
  }
  if (i.teddyAtoms) {
    if (!i.groups.empty()) i.groups += "; ";
    i.groups += "teddy (" + std::to_string(teddy_->fingerprint) + "-byte fingerprints): " + std::to_string(i.teddyAtoms) + " atoms";
  }
  return i;
}

std::uint32_t Database::hashKindsFor(std::uint64_t size) const {
  std::uint32_t kinds = 0;
  for (std::uint32_t kind = 1; kind < 4; ++kind) {
    if (!(hashKinds_ & (1u << kind))) continue;
    for (const std::uint64_t s : {size, kAnySize}) {
      // Records are sorted by (kind, size, digest).
      auto it = std::lower_bound(hashes_.begin(), hashes_.end(), std::pair{kind, s}, [](const HashRec& r, const auto& key) {
        return std::tie(r.kind, r.size) < std::tie(key.first, key.second);
      });
      if (it != hashes_.end() && it->kind == kind && it->size == s) kinds |= 1u << kind;
    }
  }
  return kinds;
}

}  // namespace mugai::match
