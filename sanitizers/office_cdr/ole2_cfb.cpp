// See ole2_cfb.h. Offsets are those of MS-CFB 2.2 (header) and 2.6
// (directory entry).
#include "sanitizers/office_cdr/ole2_cfb.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace mugai::sanitizers::office_cdr {
namespace {

constexpr std::uint32_t kMaxRegSect = 0xFFFFFFFAu;  // above: FREESECT, ENDOFCHAIN, FATSECT, DIFSECT
constexpr std::uint32_t kEndOfChain = 0xFFFFFFFEu;
constexpr std::uint32_t kNoStream = 0xFFFFFFFFu;
constexpr std::size_t kDirEntrySize = 128;
constexpr std::size_t kMaxSiblings = 2048;

std::string entryName(std::string_view e) {
  const std::size_t bytes = std::min<std::size_t>(static_cast<unsigned char>(e[0x40]) | static_cast<unsigned char>(e[0x41]) << 8, 64);
  std::string out;
  for (std::size_t i = 0; i + 1 < bytes; i += 2) {
    const unsigned c = static_cast<unsigned char>(e[i]) | static_cast<unsigned char>(e[i + 1]) << 8;
    if (c == 0) break;
    out += c < 0x80 ? static_cast<char>(c) : '?';
  }
  return out;
}

std::uint32_t le32(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)]);
  return v;
}
std::uint16_t le16(std::string_view s, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(s[at]) | static_cast<unsigned char>(s[at + 1]) << 8);
}

CfbCheck fail(std::string why) {
  CfbCheck c;
  c.problem = std::move(why);
  return c;
}

class Reader {
 public:
  Reader(std::string_view b, unsigned shift) : b_(b), size_(std::size_t{1} << shift) {
    // Sector n starts at (n + 1) * size; a v4 header fills its whole 4096-byte sector.
    sectors_ = b.size() / size_ > 0 ? b.size() / size_ - 1 : 0;
  }
  std::size_t sectorSize() const { return size_; }
  std::size_t sectors() const { return sectors_; }
  std::string_view sector(std::uint32_t n) const { return b_.substr((std::size_t{n} + 1) * size_, size_); }

 private:
  std::string_view b_;
  std::size_t size_;
  std::size_t sectors_ = 0;
};

// The FAT: the header's 109 DIFAT slots, then the DIFAT chain (each sector
// ends with the next one's index). Every index lands inside the file.
bool readFat(std::string_view b, const Reader& r, std::vector<std::uint32_t>& fat, std::string& why) {
  const std::uint32_t numFat = le32(b, 0x2C);
  std::uint32_t difat = le32(b, 0x44);
  const std::uint32_t numDifat = le32(b, 0x48);
  if (numFat == 0 || numFat > r.sectors()) return why = "FAT sector count out of range", false;
  std::vector<std::uint32_t> fatSectors;
  for (std::size_t i = 0; i < 109 && fatSectors.size() < numFat; ++i) fatSectors.push_back(le32(b, 0x4C + 4 * i));
  const std::size_t perSector = r.sectorSize() / 4;
  std::vector<bool> seen(r.sectors(), false);
  for (std::uint32_t n = 0; fatSectors.size() < numFat; ++n) {
    if (n >= numDifat || difat >= r.sectors() || seen[difat]) return why = "DIFAT chain broken or looping", false;
    seen[difat] = true;
    std::string_view s = r.sector(difat);
    for (std::size_t i = 0; i + 1 < perSector && fatSectors.size() < numFat; ++i) fatSectors.push_back(le32(s, 4 * i));
    difat = le32(s, 4 * (perSector - 1));
  }
  fat.reserve(fatSectors.size() * perSector);
  for (std::uint32_t f : fatSectors) {
    if (f >= r.sectors()) return why = "FAT sector past the end of the file", false;
    std::string_view s = r.sector(f);
    for (std::size_t i = 0; i < perSector; ++i) fat.push_back(le32(s, 4 * i));
  }
  return true;
}

// The directory stream's sectors, following the FAT from the header's first
// directory sector: each sector once (a loop is damage), each inside the file.
bool directoryChain(std::string_view b, const Reader& r, const std::vector<std::uint32_t>& fat,
                    std::vector<std::uint32_t>& chain, std::string& why) {
  std::vector<bool> seen(r.sectors(), false);
  for (std::uint32_t s = le32(b, 0x30); s != kEndOfChain;) {
    if (s > kMaxRegSect || s >= r.sectors() || s >= fat.size()) return why = "directory chain runs past the file", false;
    if (seen[s]) return why = "loop in the directory's FAT chain", false;
    seen[s] = true;
    chain.push_back(s);
    s = fat[s];
  }
  if (chain.empty()) return why = "no directory", false;
  return true;
}


// Marks the chain from `start` in `table` as used, sector by sector: each
// must exist (`limit`) and belong to no other chain, which also stops
// loops. Legitimate files use every sector at most once, so the whole pass
// is linear in the file. Returns the chain's length, or -1 when broken.
long long markChain(std::uint32_t start, const std::vector<std::uint32_t>& table, std::size_t limit,
                    std::vector<bool>& used) {
  long long n = 0;
  for (std::uint32_t s = start; s != kEndOfChain; s = table[s], ++n) {
    if (s >= limit || s >= table.size() || used[s]) return -1;
    used[s] = true;
  }
  return n;
}

// The stream chains: big-block streams through the FAT, small ones
// (under the header's cutoff) through the mini FAT inside the root's mini
// stream. Each chain must hold the stream's declared size.
bool checkChains(std::string_view b, const Reader& r, const std::vector<std::uint32_t>& fat,
                 std::vector<bool>& used, const std::vector<std::string_view>& streams, std::string& why) {
  const std::uint32_t cutoff = le32(b, 0x38);
  const std::size_t ss = r.sectorSize();
  std::vector<std::uint32_t> minifat;
  const long long nMiniFat = markChain(le32(b, 0x3C), fat, r.sectors(), used);
  if (nMiniFat < 0) return why = "mini FAT chain broken", false;
  for (std::uint32_t s = le32(b, 0x3C), i = 0; i < nMiniFat; s = fat[s], ++i)
    for (std::size_t k = 0; k < ss / 4; ++k) minifat.push_back(le32(r.sector(s), 4 * k));
  std::vector<bool> miniUsed(minifat.size(), false);
  for (std::string_view e : streams) {
    const bool root = static_cast<unsigned char>(e[0x42]) == 5;
    const std::uint64_t size = le32(e, 0x78);
    if (size == 0 && !root) continue;
    const bool mini = !root && size < cutoff;
    const std::uint64_t unit = mini ? 64 : ss;
    const long long n = mini ? markChain(le32(e, 0x74), minifat, (le32(streams[0], 0x78) + 63) / 64, miniUsed)
                             : markChain(le32(e, 0x74), fat, r.sectors(), used);
    if (n < 0) return why = root ? "mini stream chain broken" : "a stream's sector chain is broken", false;
    if (static_cast<std::uint64_t>(n) * unit < size) return why = "a stream is longer than its sector chain", false;
  }
  return true;
}

}  // namespace

CfbCheck checkCompoundFile(std::string_view b, std::size_t maxEntries, std::size_t maxTreeDepth) {
  if (b.size() < 512 || b.substr(0, 8) != std::string_view("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))
    return fail("not a compound file");
  const unsigned shift = le16(b, 0x1E);
  if (le16(b, 0x1C) != 0xFFFE || (shift != 9 && shift != 12) || le16(b, 0x20) != 6)
    return fail("unusual compound file header (byte order or sector sizes)");
  const Reader r(b, shift);
  std::vector<std::uint32_t> fat;
  std::vector<std::uint32_t> chain;
  std::string why;
  if (!readFat(b, r, fat, why) || !directoryChain(b, r, fat, chain, why)) return fail(why);

  const std::size_t perSector = r.sectorSize() / kDirEntrySize;
  const std::size_t slots = chain.size() * perSector;
  auto entry = [&](std::uint32_t i) { return r.sector(chain[i / perSector]).substr((i % perSector) * kDirEntrySize); };
  // Walk the tree from the root (entry 0) with an explicit stack: every
  // entry reached once (a second arrival is a cycle or a shared subtree),
  // each link one level deeper, as libgsf's recursion would go.
  std::vector<bool> seen(slots, false);
  struct Todo {
    std::uint32_t entry;
    std::size_t depth;
    std::uint32_t parent;  // the storage whose child list this entry is in
  };
  std::vector<Todo> stack{{0, 1, kNoStream}};
  std::vector<std::uint32_t> children(slots, 0);
  std::vector<std::string_view> streams;  // the root first, then every stream
  CfbCheck out;
  while (!stack.empty()) {
    const auto [i, depth, parent] = stack.back();
    stack.pop_back();
    if (i >= slots) return fail("directory link past the directory");
    if (seen[i]) return fail("cycle in the directory tree");
    seen[i] = true;
    if (++out.entries > maxEntries) {
      out.tooMany = true;
      out.problem = "more than " + std::to_string(maxEntries) + " directory entries";
      return out;
    }
    if (depth > maxTreeDepth) return fail("directory tree too deep");
    std::string_view e = entry(i);
    if (parent != kNoStream && ++children[parent] > kMaxSiblings) {
      out.tooMany = true;
      out.problem = "more than " + std::to_string(kMaxSiblings) + " entries in one storage";
      return out;
    }
    if (parent == 0) out.rootNames.push_back(entryName(e));
    const unsigned type = static_cast<unsigned char>(e[0x42]);
    if (i == 0 ? type != 5 : (type != 1 && type != 2)) return fail("bad directory entry type");
    if (type != 1) streams.push_back(e);
    for (std::size_t at : {std::size_t{0x44}, std::size_t{0x48}, std::size_t{0x4C}}) {
      const std::uint32_t link = le32(e, at);
      if (link == kNoStream) continue;
      if (at == 0x4C && type == 2) return fail("a stream with children");
      if (i == 0 && at != 0x4C) return fail("the root entry has siblings");
      stack.push_back({link, depth + 1, at == 0x4C ? i : parent});
    }
  }
  std::vector<bool> used(r.sectors(), false);
  for (std::uint32_t s : chain) used[s] = true;
  if (!checkChains(b, r, fat, used, streams, why)) return fail(why);
  out.ok = true;
  return out;
}

}  // namespace mugai::sanitizers::office_cdr
