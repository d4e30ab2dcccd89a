#!/usr/bin/env bash
# Parse + rebuild throughput on the shared mail corpus: mugai beside
# Python's email package, same files, same machine, one core each.
# Usage: bash test/bench/run_mail_bench.sh [ROUNDS]   (build first: scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
corpora=../shared/corpora
list=$(mktemp)
trap 'rm -f "$list"' EXIT
# The same mail directories as the corpus tests (test/common/corpus.cpp).
( cd "$corpora" && find cassandane cpython-test-email enmime generated-mail-ja gmime/tests joruri-mail mikel-mail \
    milter-manager-test-mails mime4j mimekit/UnitTests/TestData/messages mimekit/UnitTests/TestData/dkim \
    mimekit/UnitTests/TestData/smime mimekit/UnitTests/TestData/partial nodemailer-mailparser php-mime-mail-parser \
    spamscope-mail-parser stalwart-mail-parser zbateson-mail-mime-parser/tests/_data/emails -type f \
    \( -name '*.eml' -o -name '*.msg' -o -name '*.raw' -o -name '*.txt' -o ! -name '*.*' \) \
    ! -path '*/files/*' ! -path '*/filters/*' ! -name '*_decoded*' ! -name 'LICENSE*' ! -name 'COPYING*' \
    ! -name 'README*' ! -name 'NOTICE' ! -name 'COPYRIGHT*' ! -name 'INDEX.tsv' | sort ) | sed "s|^|$corpora/|" > "$list"
cmake --build build --target mugai_mail_bench >/dev/null
echo "corpus: $(wc -l < "$list") messages, $(cat "$list" | xargs cat | wc -c) bytes; $(nproc) cores, one used"
taskset -c 0 build/test/bench/mugai_mail_bench --rounds "$rounds" $(cat "$list")
taskset -c 0 python3 test/bench/python_email_bench.py --rounds "$rounds" $(cat "$list")
