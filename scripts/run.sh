#!/usr/bin/env bash
# README command 1: install dependencies, build Release, and run the main
# job on its embedded defaults: `mugai mail` over every sample message in
# samples/mail/, printing each report summary, then the originals kept in
# the quarantine store (/var/lib/mugai/quarantine, the default).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target mugai

out=build/samples-out
mkdir -p "$out"
status=0
for mail in samples/mail/*.eml; do
  name=$(basename "$mail" .eml)
  # Exit codes 0 (unchanged), 1 (changed) and 2 (rejected) are verdicts, not failures.
  rc=0
  build/cli/mugai mail "$mail" -o "$out/$name.out.eml" --report "$out/$name.report.json" || rc=$?
  if [ "$rc" -gt 2 ]; then status=$rc; fi
done
echo
echo "Originals kept in quarantine (隔離保管した原本), newest first:"
build/cli/mugai quarantine list --limit 10 || status=$?
echo
echo "Rebuilt messages and JSON reports: $out/ (再構成したメールとレポート)"
echo "Inspect one: build/cli/mugai quarantine show ID"
exit "$status"
