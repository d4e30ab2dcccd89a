#!/usr/bin/env bash
# README command 2: install dependencies, build with tests, run every test
# through CTest. .ci/run calls exactly this.
#
# Four passes, sharing ccache:
#   1. the Release build (-Werror) and every test, the slow corpus sweeps included;
#   2. the Debian package, the product's install path
#      (test/packaging/package_test.sh): built from a clean copy of the
#      tree, lintian, dpkg -i, mugaid as the unit starts it relaying a mail,
#      upgrade, remove and purge; the package is purged at its end;
#   3. the same suite built with AddressSanitizer + UndefinedBehaviorSanitizer
#      (build-asan/) and the job worker's test instruction
#      (MUGAI_WORKER_SELFTEST: each forbidden call is tried and must fail
#      closed; refused in Release builds), without the corpus sweeps (run once, in pass 1), the
#      RSS bound (ASan's shadow memory is not mugaid's) and the PDF tests
#      (the ASan runtime cannot start inside the worker's sandbox: its
#      RLIMIT_AS is far below ASan's shadow reservation, and its seccomp
#      filter kills what the runtime calls);
#   4. every fuzz target for a short smoke (test/fuzz/run_fuzz.sh all,
#      MUGAI_FUZZ_SECONDS each, default 60).
# MUGAI_TEST_PASSES="release package asan fuzz" chooses passes (all four by default).
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits wherever the tree is cloned: paths under it are hashed relative.
export CCACHE_BASEDIR="$PWD"
passes=${MUGAI_TEST_PASSES:-release package asan fuzz}

bash scripts/install-deps.sh --test
jobs=$(nproc)
total=0

if [[ " $passes " == *" release "* ]]; then
  echo "== pass 1: Release build, every test"
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DMUGAI_BUILD_TESTS=ON -DMUGAI_WERROR=ON >/dev/null
  cmake --build build
  ctest --test-dir build --output-on-failure -j "$jobs" | tee build/ctest.log
  total=$((total + $(grep -oE 'tests failed out of [0-9]+' build/ctest.log | grep -oE '[0-9]+$')))
fi

if [[ " $passes " == *" package "* ]]; then
  echo "== pass 2: the Debian package (test/packaging/package_test.sh)"
  bash test/packaging/package_test.sh
  total=$((total + 1))
fi

if [[ " $passes " == *" asan "* ]]; then
  echo "== pass 3: AddressSanitizer + UndefinedBehaviorSanitizer build, the suite without the corpus sweeps"
  # Warnings are held to -Werror in pass 1; here GCC 12 raises false
  # maybe-uninitialized warnings inside std::regex and std::function.
  san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
    -DCMAKE_CXX_FLAGS="$san -Wno-maybe-uninitialized" -DCMAKE_EXE_LINKER_FLAGS="$san" -DMUGAI_BUILD_TESTS=ON -DMUGAI_WERROR=OFF -DMUGAI_WORKER_SELFTEST=ON \
    -DMUGAI_TEST_SPEC="~[corpus]~[memory]~[pdf]" -DMUGAI_BROWSER_TEST=OFF >/dev/null
  cmake --build build-asan
  # Leak checking stays off: LeakSanitizer traces the process at exit
  # (ptrace), which the PDF worker's seccomp filter forbids by design.
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" | tee build-asan/ctest.log
  total=$((total + $(grep -oE 'tests failed out of [0-9]+' build-asan/ctest.log | grep -oE '[0-9]+$')))
fi

if [[ " $passes " == *" fuzz "* ]]; then
  echo "== pass 4: fuzz smoke, ${MUGAI_FUZZ_SECONDS:-60} s per target"
  bash test/fuzz/run_fuzz.sh "${MUGAI_FUZZ_SECONDS:-60}" all
fi
echo "test.sh: all passes done ($passes)"
# Every pass stops the script on its first failure (set -e, pipefail), so
# reaching here means every test of every pass passed.
echo "$total passed, 0 failed"
