# Sourced by the relay benchmarks: plain Postfix beside mugaid in the same
# run. start_private_postfix DIR PORT SINK_PORT starts a private instance
# (config, queue and log under DIR; fsync'ed queue files as by default)
# listening on 127.0.0.1:PORT and relaying everything to 127.0.0.1:SINK_PORT;
# pf_queue_dirs prints its queue's directories (for wait_empty.py). Stop it with
# `postfix -c DIR/etc stop`. Needs the postfix package (smtp-source too).
start_private_postfix() {
  local dir=$1 port=$2 sink=$3
  mkdir -p "$dir/etc" "$dir/spool" "$dir/data"
  chown postfix "$dir/data"
  cat > "$dir/etc/main.cf" <<EOC
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
myhostname = bench.localdomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$sink
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_dns_support_level = disabled
smtp_host_lookup = native
alias_maps =
alias_database =
local_recipient_maps =
biff = no
EOC
  {
    echo "127.0.0.1:$port inet n - n - - smtpd"
    for l in "pickup unix n - n 60 1 pickup" "cleanup unix n - n - 0 cleanup" "qmgr unix n - n 300 1 qmgr" \
      "rewrite unix - - n - - trivial-rewrite" "bounce unix - - n - 0 bounce" "defer unix - - n - 0 bounce" \
      "trace unix - - n - 0 bounce" "verify unix - - n - 1 verify" "flush unix n - n 1000? 0 flush" \
      "proxymap unix - - n - - proxymap" "smtp unix - - n - - smtp" "relay unix - - n - - smtp" \
      "showq unix n - n - - showq" "error unix - - n - - error" "retry unix - - n - - error" \
      "discard unix - - n - - discard" "local unix - n n - - local" "anvil unix - - n - 1 anvil" \
      "scache unix - - n - 1 scache" "postlog unix-dgram n - n - 1 postlogd"; do echo "$l"; done
  } > "$dir/etc/master.cf"
  postfix -c "$dir/etc" start >"$dir/start.log" 2>&1 || { cat "$dir/start.log" >&2; return 1; }
  for _ in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  PF_DIR=$dir
}
pf_queue_dirs() { echo "$PF_DIR/spool/incoming $PF_DIR/spool/active $PF_DIR/spool/deferred $PF_DIR/spool/maildrop"; }
