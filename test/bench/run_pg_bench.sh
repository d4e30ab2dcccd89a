#!/usr/bin/env bash
# The shared quarantine's cost (issue 20): PostgreSQL beside the embedded
# SQLite store, in one run, on this machine.
#  1. store puts/s: mugai_store_bench, 5000 unique 10 kB originals from 4
#     threads into each backend (each put durable when it returns);
#  2. relay msgs/s end to end: two mugaid, one per backend, and plain
#     Postfix, each relaying the same ~10 kB message (text + ZIP; the default
#     policy changes it, so every message leaves its original in the store)
#     from smtp-source (20 sessions) to smtp-sink; the order of the three
#     turns each round.
#     Originals are unique per message (mugaid's Received: field names
#     the queue id): the script counts them with psql after the run.
# PostgreSQL is a private cluster (test/tools/pg_cluster.sh; Debian's
# defaults: fsync on, synchronous_commit on) over its Unix socket.
# Goal: PostgreSQL >= 0.8x SQLite msgs/s, and >= 1.0x plain Postfix.
# Knob: MUGAI_BENCH_WORKERS (mugaid's [daemon] workers, both nodes).
# Usage: bash test/bench/run_pg_bench.sh [N] [ROUNDS]   (build first: scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
b=${MUGAI_BENCH_BUILD:-build}
n=${1:-3000}
rounds=${2:-3}
for p in smtp-source:postfix pg_ctlcluster:postgresql; do
  command -v "${p%%:*}" >/dev/null || PATH=$PATH:/usr/sbin command -v "${p%%:*}" >/dev/null || {
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${p#*:}" >/dev/null
  }
done
export PATH=$PATH:/usr/sbin
cmake --build "$b" --target mugaid mugai_store_bench >/dev/null
work=$(mktemp -d /tmp/mugai-pg-bench.XXXXXX)
chmod 755 "$work"
cluster=$(bash test/tools/pg_cluster.sh start "$work/pg" 55410)
psql -XAtq "$cluster dbname=postgres" -c "CREATE DATABASE mugai_store" -c "CREATE DATABASE mugai_relay"
pids=()
cleanup() {
  postfix -c "$work/pf/etc" stop >/dev/null 2>&1 || true
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  bash test/tools/pg_cluster.sh stop "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT
echo "$(nproc) cores; $(psql -XAt "$cluster dbname=postgres" -c 'SHOW server_version'), fsync $(psql -XAt "$cluster dbname=postgres" -c 'SHOW fsync'), synchronous_commit $(psql -XAt "$cluster dbname=postgres" -c 'SHOW synchronous_commit')"

echo "== store puts/s (5000 unique 10 kB originals, 4 threads)"
for r in $(seq "$rounds"); do
  rm -rf "$work/store-sqlite"
  psql -XAtq "$cluster dbname=postgres" -c "DROP DATABASE mugai_store" -c "CREATE DATABASE mugai_store"
  s=$("$b"/test/bench/mugai_store_bench "sqlite:$work/store-sqlite" 5000 4)
  p=$("$b"/test/bench/mugai_store_bench "postgresql:$cluster dbname=mugai_store" 5000 4)
  echo "round $r: $s | $p"
done

echo "== relay msgs/s end to end (20 sessions, N=$n)"
python3 test/bench/make_bench_msg.py "$work/msg.eml"
sink_port=25261
smtp-sink -u postfix 127.0.0.1:$sink_port 256 &
pids+=($!)
for _ in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$sink_port) 2>/dev/null && break; sleep 0.1; done
start_mugaid() {  # NAME PORT QUARANTINE-KEYS
  mkdir -p "$work/$1"
  cat > "$work/$1/mugaid.toml" <<TOML
[quarantine]
dir = "$work/$1/q"
$3
[daemon]
listen = "127.0.0.1:$2"
spool_dir = "$work/$1/spool"
delivery = "smtp:127.0.0.1:$sink_port"
max_connections_per_client = 1000
${MUGAI_BENCH_WORKERS:+workers = $MUGAI_BENCH_WORKERS}
TOML
  "$b"/daemon/mugaid -c "$work/$1/mugaid.toml" > "$work/$1/mugaid.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q "listening on" "$work/$1/mugaid.log" && return; sleep 0.1; done
  cat "$work/$1/mugaid.log" >&2
  return 1
}
start_mugaid sqlite 25251 ""
start_mugaid pg 25252 "backend = \"postgresql\"
dsn = \"$cluster dbname=mugai_relay\""
. test/bench/private_postfix.sh
start_private_postfix "$work/pf" 25281 $sink_port
spool_dirs() { echo "$work/$1/spool/incoming $work/$1/spool/outgoing"; }
# One round into port $1 until the directories $2 hold no file; prints end-to-end msgs/s.
round() {
  local t0 t1
  t0=$(date +%s.%N)
  smtp-source -s 20 -m "$n" -f sender@example.com -t rcpt@example.net -F "$work/msg.eml" 127.0.0.1:$1
  python3 test/bench/wait_empty.py $2
  t1=$(date +%s.%N)
  awk -v n=$n -v a=$t0 -v b=$t1 'BEGIN{printf "%.1f", n/(b-a)}'
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
sq="" pg="" pf="" r1="" r2=""
for r in $(seq "$rounds"); do
  # The order turns each round: the file system gets slower at making
  # inodes right after many were deleted, and no contender should always
  # run after the others.
  case $((r % 3)) in
    1) s=$(round 25251 "$(spool_dirs sqlite)"); p=$(round 25252 "$(spool_dirs pg)"); f=$(round 25281 "$(pf_queue_dirs)") ;;
    2) p=$(round 25252 "$(spool_dirs pg)"); f=$(round 25281 "$(pf_queue_dirs)"); s=$(round 25251 "$(spool_dirs sqlite)") ;;
    0) f=$(round 25281 "$(pf_queue_dirs)"); s=$(round 25251 "$(spool_dirs sqlite)"); p=$(round 25252 "$(spool_dirs pg)") ;;
  esac
  sq="$sq $s" pg="$pg $p" pf="$pf $f"
  r1="$r1 $(awk -v a="$p" -v b="$s" 'BEGIN{printf "%.3f", a/b}')"
  r2="$r2 $(awk -v a="$p" -v b="$f" 'BEGIN{printf "%.3f", a/b}')"
  echo "round $r: mugaid+SQLite $s msgs/s | mugaid+PostgreSQL $p msgs/s | plain Postfix $f msgs/s"
done
items=$(psql -XAt "$cluster dbname=mugai_relay" -c "SELECT count(*) || ' items, ' || count(DISTINCT sha256) || ' distinct originals' FROM items")
echo "PostgreSQL store after the run: $items"
echo "medians: mugaid+SQLite $(echo $sq | median), mugaid+PostgreSQL $(echo $pg | median), plain Postfix $(echo $pf | median) msgs/s"
echo "PostgreSQL / SQLite: median of per-round ratios $(echo $r1 | median)x (goal >= 0.8x;$r1)"
echo "PostgreSQL / plain Postfix: median of per-round ratios $(echo $r2 | median)x (goal >= 1.0x;$r2)"
