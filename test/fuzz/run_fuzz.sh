#!/usr/bin/env bash
# Fuzzing (libFuzzer + ASan + UBSan, clang) of:
#   mime   the mail parser and rebuild (the default)
#   match  the matcher's kernels against each other (every kernel this CPU runs vs the reference)
#   zip    zip_scan, with its re-packed output read back
#   smtp   the SMTP session state machine (any client bytes, cut anywhere)
#   proxy  the PROXY protocol v1/v2 parser
#   rtf    office_cdr's RTF cleaner, its output cleaned again (must be clean)
#   ooxml  office_cdr's OOXML/ODF cleaners and relationships reader, the same check
#   all    each of the above for SECONDS (scripts/test.sh runs "all 60" as a smoke)
# Usage: bash test/fuzz/run_fuzz.sh [SECONDS] [mime|match|zip|smtp|proxy|rtf|ooxml|all]   (default 300 mime)
# Long runs are opt-in. Seeds come from the shared corpora; findings land in
# build-fuzz/crashes/ and the run fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-300}
target=${2:-mime}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMUGAI_BUILD_TESTS=OFF \
  -DMUGAI_FUZZ=ON -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" >/dev/null
mkdir -p build-fuzz/crashes
corpora=../shared/corpora

run() {  # run BINARY WORKDIR SEEDDIR MAXLEN
  local bin=$1 work=$2 seeds=$3 maxlen=$4
  mkdir -p "build-fuzz/$work" "build-fuzz/$seeds"
  ASAN_OPTIONS=detect_leaks=1 "build-fuzz/test/fuzz/$bin" "build-fuzz/$work" "build-fuzz/$seeds" \
    -max_total_time="$seconds" -max_len="$maxlen" -timeout=20 -rss_limit_mb=2048 \
    -artifact_prefix=build-fuzz/crashes/ -print_final_stats=1
}

fuzz_one() {
  case "$1" in
    match)
      cmake --build build-fuzz --target fuzz_match_kernels
      run fuzz_match_kernels work-match seeds-match 8192 ;;
    zip)
      cmake --build build-fuzz --target fuzz_zip_scan
      mkdir -p build-fuzz/zip-seeds
      find $corpora/generated-archives $corpora/snyk-zip-slip $corpora/corkami-pocs $corpora/recursive-extractor \
        -type f -name '*.zip' -size -64k -exec cp -t build-fuzz/zip-seeds {} + 2>/dev/null || true
      run fuzz_zip_scan work-zip zip-seeds 65536 ;;
    smtp)
      cmake --build build-fuzz --target fuzz_smtp_session
      mkdir -p build-fuzz/smtp-seeds
      # Seeds: two control bytes (chunking, deferral) and a client's transcript.
      printf '\x07\x01EHLO c\r\nMAIL FROM:<a@b.example> SIZE=10\r\nRCPT TO:<u@example.lg.jp>\r\nDATA\r\nReceived: x\r\nSubject: s\r\n\r\n..dot\r\n.\r\nQUIT\r\n' \
        > build-fuzz/smtp-seeds/plain
      printf '\x05\x02EHLO c\r\nSTARTTLS\r\nEHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<@a.example:"q@x"@example.lg.jp>\r\nDATA\r\nx\n.\r\n' \
        > build-fuzz/smtp-seeds/tls
      run fuzz_smtp_session work-smtp smtp-seeds 16384 ;;
    proxy)
      cmake --build build-fuzz --target fuzz_proxy_protocol
      mkdir -p build-fuzz/proxy-seeds
      printf 'PROXY TCP4 192.0.2.9 198.51.100.1 56324 25\r\nEHLO x\r\n' > build-fuzz/proxy-seeds/v1
      printf 'PROXY UNKNOWN\r\n' > build-fuzz/proxy-seeds/unknown
      printf '\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\xc0\x00\x02\x09\xc6\x33\x64\x01\x9c\x44\x00\x19' > build-fuzz/proxy-seeds/v2
      run fuzz_proxy_protocol work-proxy proxy-seeds 1024 ;;
    ooxml)
      cmake --build build-fuzz --target fuzz_office_ooxml
      mkdir -p build-fuzz/ooxml-seeds
      # Seeds: whole packages (first byte 0) and their relationships parts (first byte 1).
      for f in $(find $corpora/oletools -type f \( -name '*.docx' -o -name '*.docm' -o -name '*.xlsx' -o -name '*.pptx' \
                 -o -name '*.odt' -o -name '*.ods' \) -size -64k | sort); do
        b=$(basename "$f")
        { printf '\0'; cat "$f"; } > "build-fuzz/ooxml-seeds/pkg-$b"
        unzip -p "$f" 'word/_rels/document.xml.rels' > /tmp/mugai-rels.$$ 2>/dev/null &&
          { printf '\1'; cat /tmp/mugai-rels.$$; } > "build-fuzz/ooxml-seeds/rels-$b" || true
      done
      rm -f /tmp/mugai-rels.$$
      run fuzz_office_ooxml work-ooxml ooxml-seeds 65536 ;;
    rtf)
      cmake --build build-fuzz --target fuzz_office_rtf
      mkdir -p build-fuzz/rtf-seeds
      find $corpora -type f -iname '*.rtf' -size -4M -exec cp -t build-fuzz/rtf-seeds {} + 2>/dev/null || true
      printf '{\\rtf1 {\\field{\\*\\fldinst {IN}{CLUDEPICTURE "http://x/a"}}{\\fldrslt {\\object\\objemb{\\*\\objclass P}{\\*\\objdata 01}{\\result {\\pict\\bin2 {}}}}}}{\\*\\datastore 01}{\\*\\template x}\\u68 ?\\'"'"'44}' \
        > build-fuzz/rtf-seeds/active
      run fuzz_office_rtf work-rtf rtf-seeds 65536 ;;
    mime)
      cmake --build build-fuzz --target fuzz_mime_parser
      mkdir -p build-fuzz/seeds
      find $corpora -type f \( -name '*.eml' -o -name '*.msg' \) -size -64k -exec cp -t build-fuzz/seeds {} + 2>/dev/null || true
      run fuzz_mime_parser work seeds 65536 ;;
    *) echo "run_fuzz: unknown target $1 (mime, match, zip, smtp, proxy, rtf, ooxml, all)" >&2; exit 3 ;;
  esac
}

if [ "$target" = all ]; then
  for t in smtp proxy mime zip match rtf ooxml; do
    echo "== fuzz $t for ${seconds}s"
    rc=0
    fuzz_one "$t" > "build-fuzz/$t.log" 2>&1 || rc=$?
    grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units)|^==[0-9]+==ERROR|^SUMMARY|deadly signal' "build-fuzz/$t.log" || true
    [ "$rc" -eq 0 ] || { tail -n 40 "build-fuzz/$t.log"; echo "fuzz $t FAILED (exit $rc; build-fuzz/$t.log, build-fuzz/crashes/)"; exit 1; }
  done
else
  fuzz_one "$target"
fi
