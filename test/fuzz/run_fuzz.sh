#!/usr/bin/env bash
# Opt-in fuzzing (libFuzzer + ASan + UBSan) of the mail parser and rebuild
# (target "mime", the default), of the matcher's kernels against each
# other (target "match": every kernel this CPU runs vs the reference), or of
# zip_scan with its re-packed output read back (target "zip").
# Usage: bash test/fuzz/run_fuzz.sh [SECONDS] [mime|match|zip]   (default 300 mime)
# Seeds are the shared mail corpus; findings land in build-fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-300}
target=${2:-mime}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMUGAI_BUILD_TESTS=OFF \
  -DMUGAI_FUZZ=ON -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" >/dev/null
if [ "$target" = match ]; then
  cmake --build build-fuzz --target fuzz_match_kernels
  mkdir -p build-fuzz/crashes build-fuzz/work-match
  exec build-fuzz/test/fuzz/fuzz_match_kernels build-fuzz/work-match -max_total_time="$seconds" -max_len=8192 \
    -timeout=20 -rss_limit_mb=2048 -artifact_prefix=build-fuzz/crashes/ -print_final_stats=1
fi
if [ "$target" = zip ]; then
  cmake --build build-fuzz --target fuzz_zip_scan
  mkdir -p build-fuzz/zip-seeds build-fuzz/crashes build-fuzz/work-zip
  find ../shared/corpora/generated-archives ../shared/corpora/snyk-zip-slip ../shared/corpora/corkami-pocs \
    ../shared/corpora/recursive-extractor -type f -name '*.zip' -size -64k -exec cp -t build-fuzz/zip-seeds {} + \
    2>/dev/null || true
  ASAN_OPTIONS=detect_leaks=1 exec build-fuzz/test/fuzz/fuzz_zip_scan build-fuzz/work-zip build-fuzz/zip-seeds \
    -max_total_time="$seconds" -max_len=65536 -timeout=20 -rss_limit_mb=2048 -artifact_prefix=build-fuzz/crashes/ \
    -print_final_stats=1
fi
cmake --build build-fuzz --target fuzz_mime_parser
mkdir -p build-fuzz/seeds build-fuzz/crashes build-fuzz/work
find ../shared/corpora -type f \( -name '*.eml' -o -name '*.msg' \) -size -64k -exec cp -t build-fuzz/seeds {} + 2>/dev/null || true
ASAN_OPTIONS=detect_leaks=1 build-fuzz/test/fuzz/fuzz_mime_parser build-fuzz/work build-fuzz/seeds \
  -max_total_time="$seconds" -max_len=65536 -timeout=20 -rss_limit_mb=2048 -artifact_prefix=build-fuzz/crashes/ \
  -print_final_stats=1
