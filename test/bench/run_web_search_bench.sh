#!/usr/bin/env bash
# The console's search latency over 1,000,000 generated quarantine items
# (test/bench/web_search_bench.cpp): p50/p95 of each query through the
# handler and through the store alone, against issue 19's goal (p95 <= 100
# ms). The store is generated once into build/bench-web-1m (a few minutes)
# and reused. Usage: bash test/bench/run_web_search_bench.sh [ITEMS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
items=${1:-1000000}
rounds=${2:-40}
cmake --build build --target mugai_web_search_bench >/dev/null
build/test/bench/mugai_web_search_bench "build/bench-web-$items" "$items" "$rounds"
