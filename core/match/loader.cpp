// See loader.h.
#include "core/match/loader.h"

#include <malloc.h>
#include <sys/stat.h>

#include <filesystem>
#include <algorithm>
#include <map>
#include <mutex>

namespace mugai::match {

namespace detail {
extern const char* const kBuiltinNdb;  // builtin_signatures.cpp, generated from samples/
extern const char* const kBuiltinHdb;
extern const char* const kBuiltinHsb;
}  // namespace detail

namespace {

/// What identifies a source's contents: every file's path, size and mtime.
std::string fingerprint(const SignatureSource& s) {
  std::string key = std::string(s.builtin ? "B" : "-") + (s.strict ? "S" : "-");
  auto addFile = [&](const std::filesystem::path& p) {
    struct stat st {};
    key += "|" + p.string();
    if (::stat(p.c_str(), &st) == 0)
      key += ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
             std::to_string(st.st_mtim.tv_nsec);
  };
  for (const auto& path : s.paths) {
    addFile(path);
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
      for (const auto& e : std::filesystem::directory_iterator(path, ec)) addFile(e.path());
  }
  return key;
}

}  // namespace

SignatureSet builtinSignatures() {
  SignatureSet set;
  parseSignatureText(detail::kBuiltinNdb, true, "(built-in) mugai-samples.ndb", set);
  parseSignatureText(detail::kBuiltinHdb, false, "(built-in) mugai-samples.hdb", set);
  parseSignatureText(detail::kBuiltinHsb, false, "(built-in) mugai-samples.hsb", set);
  return set;
}

DatabasePtr loadDatabase(const SignatureSource& source, std::vector<SignatureError>& warnings, std::string& error) {
  for (const auto& p : source.paths) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec) || !Database::isCacheFile(p)) continue;
    if (source.paths.size() != 1) {
      error = p + ": a compiled database (.mugai) must be the only signature path";
      return nullptr;
    }
    return Database::load(p, error);
  }
  SignatureSet set = source.builtin ? builtinSignatures() : SignatureSet{};
  std::vector<std::filesystem::path> paths(source.paths.begin(), source.paths.end());
  SignatureSet files = loadSignatures(paths);
  set.signatures.insert(set.signatures.end(), std::make_move_iterator(files.signatures.begin()),
                        std::make_move_iterator(files.signatures.end()));
  set.errors.insert(set.errors.end(), files.errors.begin(), files.errors.end());
  set.files = files.files;
  if (source.strict && !set.errors.empty()) {
    error = set.errors.front().where + ": " + set.errors.front().message;
    if (set.errors.size() > 1) error += " (and " + std::to_string(set.errors.size() - 1) + " more)";
    return nullptr;
  }
  // A path that cannot be read at all is an error even when not strict:
  // running without the operator's signatures must not look like success.
  for (const auto& e : set.errors)
    if (e.wholeFile) {
      error = e.where + ": " + e.message;
      return nullptr;
    }
  warnings = set.errors;
  return Database::compile(set, error);
}

DatabasePtr loadShared(const SignatureSource& source, std::vector<SignatureError>& warnings, std::string& error) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<const Database>> cache;
  const std::string key = fingerprint(source);
  // The newest database stays referenced even with no pipeline holding it:
  // mugaid checks a config by building a pipeline and dropping it, and the
  // workers' pipelines that follow must not compile it all over again.
  static DatabasePtr newest;
  std::lock_guard lock(mutex);
  if (auto db = cache[key].lock()) return db;
  auto db = loadDatabase(source, warnings, error);
  // Parsing 50k text signatures leaves ~100 MB of freed heap behind; hand
  // it back to the system, since a daemon keeps running for months.
  ::malloc_trim(0);
  if (db) cache[key] = db, newest = db;
  for (auto it = cache.begin(); it != cache.end();) it = it->second.expired() ? cache.erase(it) : std::next(it);
  return db;
}

}  // namespace mugai::match
