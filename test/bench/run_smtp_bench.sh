#!/usr/bin/env bash
# mugaid relay throughput, measured the way ../shared/anchors/bench_smtp.sh
# and bench_amavis.sh measure Postfix and Postfix+amavis: smtp-source
# (Postfix's load generator) with 20 parallel sessions, one message per
# connection, a ~10 kB message with a ZIP attachment shaped like
# ../shared/anchors/make_msg.py's, into mugaid (full default pipeline:
# attachment_strip, zip_scan, html_to_text, url_defang; quarantine on;
# spool fsync'ed before each 250), which relays to smtp-sink. "End to end"
# runs until mugaid's spool is empty. Also prints the latency the relay
# adds (p50/p99 of mugaid_relay_seconds: from the 250 to the delivery at the
# sink, read from /metrics), and mugaid's RSS, also after a round with 200
# parallel sessions.
# The Postfix figures beside it come from the anchors' own scripts (run
# `bash ../shared/anchors/bench_smtp.sh` for a fresh side-by-side line).
# Installs postfix (for smtp-source/smtp-sink) with apt-get if missing.
# Usage: bash test/bench/run_smtp_bench.sh [N] [ROUNDS]   (build first: scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
# MUGAI_BENCH_BUILD=DIR measures another build tree (an older commit, to compare).
b=${MUGAI_BENCH_BUILD:-build}
n=${1:-3000}
rounds=${2:-3}
if ! command -v smtp-source >/dev/null; then
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
fi
export PATH=$PATH:/usr/sbin
cmake --build "$b" --target mugaid >/dev/null
work=$(mktemp -d /tmp/mugai-smtp-bench.XXXXXX)
chmod 755 "$work"  # the private Postfix runs parts of itself as the postfix user
# The same shape as anchors/make_msg.py's msg10k_att.eml (about 3.5 kB of
# text and a base64 ZIP of a text file and 1500 random bytes), made here so
# that nothing is written into ../shared.
python3 test/bench/make_bench_msg.py "$work/msg.eml"
sink_port=25260
port=25250
metrics_port=25270
smtp-sink -u postfix 127.0.0.1:$sink_port 256 &
sink=$!
for _ in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$sink_port) 2>/dev/null && break; sleep 0.1; done
if ! kill -0 $sink 2>/dev/null; then echo "smtp-sink did not start" >&2; exit 1; fi
cat > "$work/mugaid.toml" <<TOML
[quarantine]
${MUGAI_BENCH_QUARANTINE_OFF:+enabled = false}
dir = "$work/q"
[daemon]
listen = "127.0.0.1:$port"
spool_dir = "$work/spool"
delivery = "${MUGAI_BENCH_DELIVERY:-smtp:127.0.0.1:$sink_port}"
metrics_listen = "127.0.0.1:$metrics_port"
# 200 parallel sessions from one address (the default allows 50 per client).
max_connections_per_client = 1000
${MUGAI_BENCH_WORKERS:+workers = $MUGAI_BENCH_WORKERS}
TOML
"$b"/daemon/mugaid -c "$work/mugaid.toml" > "$work/mugaid.log" 2>&1 &
daemon=$!
trap 'kill $daemon $sink 2>/dev/null || true; [ -n "${MUGAI_BENCH_KEEP:-}" ] && cp "$work/mugaid.log" /tmp/mugaid-bench.log; rm -rf "$work"' EXIT
for _ in $(seq 50); do grep -q "listening on" "$work/mugaid.log" && break; sleep 0.1; done
spooled="$work/spool/incoming $work/spool/outgoing"
# Plain Postfix beside it, in the same run (conditions on this machine vary
# from hour to hour): test/bench/private_postfix.sh. Rounds alternate.
pf_port=25280
pf="$work/pf"
. test/bench/private_postfix.sh
start_private_postfix "$pf" $pf_port $sink_port
trap 'postfix -c "$pf/etc" stop >/dev/null 2>&1; kill $daemon $sink 2>/dev/null || true; [ -n "${MUGAI_BENCH_KEEP:-}" ] && cp "$work/mugaid.log" /tmp/mugaid-bench.log; rm -rf "$work"' EXIT
echo "message: $(stat -c %s "$work/msg.eml") bytes (text + ZIP attachment, as anchors/make_msg.py); N=$n, 20 sessions; $(nproc) cores"
# One round into port $1 until the directories $2 hold no file; prints "accept e2e".
round() {
  local t0 t1 t2
  t0=$(date +%s.%N)
  smtp-source -s 20 -m "$n" -f sender@example.com -t rcpt@example.net -F "$work/msg.eml" 127.0.0.1:$1
  t1=$(date +%s.%N)
  python3 test/bench/wait_empty.py $2
  t2=$(date +%s.%N)
  awk -v n=$n -v a=$t0 -v b=$t1 -v c=$t2 'BEGIN{printf "%.1f %.1f", n/(b-a), n/(c-a)}'
}
e2es=""
pfs=""
for r in $(seq "$rounds"); do
  read -r ingest e2e <<< "$(round $port "$spooled")"
  e2es="$e2es $e2e"
  read -r pingest pe2e <<< "$(round $pf_port "$(pf_queue_dirs)")"
  pfs="$pfs $pe2e"
  ratios="${ratios:-} $(awk -v a="$e2e" -v b="$pe2e" 'BEGIN{printf "%.3f", a/b}')"
  echo "round $r: mugaid accept ${ingest} msgs/s, end to end ${e2e} msgs/s | plain Postfix accept ${pingest}, end to end ${pe2e} msgs/s"
done
# The relay's added latency at a load it keeps up with (20 sessions, each
# waiting 1 s between messages: ~20 msgs/s; at the full load above, messages
# wait in the queue and the latency is queueing):
# p50 / p99 of mugaid_relay_seconds over this round only (the difference of
# two scrapes; the upper bound of the bucket holding the quantile).
scrape() { python3 -c 'import sys, urllib.request; print(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1]).read().decode())' "$metrics_port"; }
scrape > "$work/m0"
smtp-source -s 20 -w 1 -m 400 -f sender@example.com -t rcpt@example.net -F "$work/msg.eml" 127.0.0.1:$port
python3 test/bench/wait_empty.py $spooled
scrape > "$work/m1"
python3 - "$work/m0" "$work/m1" <<'PY'
import re, sys
def buckets(path):
    text = open(path).read()
    return [(float("inf") if le == "+Inf" else float(le), int(n)) for le, n in
            re.findall(r'mugaid_relay_seconds_bucket\{le="([^"]+)"\} (\d+)', text)]
b0, b1 = buckets(sys.argv[1]), buckets(sys.argv[2])
diff = [(le, n1 - n0) for (le, n0), (_, n1) in zip(b0, b1)]
total = diff[-1][1] if diff else 0
def q(p):
    for le, n in diff:
        if total and n >= p * total: return "%g ms" % (le * 1000) if le != float("inf") else "> 60 s"
    return "n/a"
print("relay latency at ~20 msgs/s (250 to delivered at the sink): p50 <= %s, p99 <= %s over %d messages" % (q(0.5), q(0.99), total))
# Where a message's time goes, on average over the round (sum / count of each histogram).
def mean(path, name):
    text = open(path).read()
    s = re.search(name + r'_sum ([0-9.e+-]+)', text); c = re.search(name + r'_count (\d+)', text)
    return (float(s.group(1)), int(c.group(1))) if s and c else (0.0, 0)
parts = []
for name, label in [("mugaid_accept_seconds", "end of DATA to 250"), ("mugaid_sanitize_seconds", "sanitize"),
                    ("mugaid_delivery_seconds", "delivery attempt"), ("mugaid_relay_seconds", "250 to delivered")]:
    (s0, c0), (s1, c1) = mean(sys.argv[1], name), mean(sys.argv[2], name)
    if c1 > c0: parts.append("%s %.1f ms" % (label, (s1 - s0) / (c1 - c0) * 1000))
print("  means over that round: " + ", ".join(parts))
PY
delivered=$(grep -c " delivered to=" "$work/mugaid.log" || true)
rss=$(awk '/VmHWM/ {print $2}' /proc/$daemon/status)
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
med=$(echo $e2es | median)
pmed=$(echo $pfs | median)
echo "mugaid end to end, median: ${med} msgs/s; delivered lines in the log: $delivered of $((n * rounds + 400)) sent; peak RSS ${rss} kB"
echo "plain Postfix end to end, median: ${pmed} msgs/s (sent lines in its log: $(grep -c 'status=sent' "$pf/maillog" || true) of $((n * rounds)))"
# The disk's speed drifts within a run: the ratio of each round's pair (run
# back to back) is steadier than the ratio of the two medians.
awk -v a="$med" -v b="$pmed" -v r="$(echo $ratios | median)" 'BEGIN{printf "mugaid / plain Postfix: %.2fx (median of the per-round ratios:%s) = %.2fx; mugaid / (Postfix+amavis, 26.9 msgs/s in RESULTS.md): %.1fx\n", a/b, "'"$ratios"'", r, a/26.9}'
# 200 parallel sessions: mugaid's memory with that many connections open.
smtp-source -s 200 -m 2000 -f sender@example.com -t rcpt@example.net -F "$work/msg.eml" 127.0.0.1:$port
python3 test/bench/wait_empty.py $spooled
echo "after a round of 2000 messages over 200 parallel sessions: peak RSS $(awk '/VmHWM/ {print $2}' /proc/$daemon/status) kB"
echo "anchors (RESULTS.md, same message, another day): plain Postfix 466 msgs/s; Postfix+amavis+clamd 26.9 msgs/s"
