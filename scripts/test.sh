#!/usr/bin/env bash
# README command 2: install dependencies, build with tests, run every test
# through CTest. .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --test
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DMUGAI_BUILD_TESTS=ON -DMUGAI_WERROR=ON >/dev/null
cmake --build build
ctest --test-dir build --output-on-failure -j "$(nproc)"
