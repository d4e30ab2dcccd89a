#!/usr/bin/env bash
# The product's install path, end to end (issue 18), as root on this machine:
#   1. builds the Debian package from a clean copy of the tracked tree
#      (dpkg-buildpackage -us -uc -b) and checks it with
#      lintian --fail-on error,warning, with no override;
#   2. installs it with dpkg -i and checks what an operator relies on: the
#      service user, the 0750 data directories, the conffile, the man pages,
#      `mugaid --check-config`, `systemd-analyze verify` of the units and the
#      hardening score the README quotes;
#   3. starts mugaid as the unit does (its ExecStart, as _mugai: systemd is
#      not PID 1 here) and relays a sample mail with a macro document into the
#      installed maildir, its original in the installed quarantine;
#   4. upgrades to a newer version (the same package, version raised), which
#      keeps a conf.d file and the quarantine; `dpkg -r` keeps /var/lib/mugai;
#      `dpkg --purge` removes it.
# The package is purged again at the end, whatever happened.
# Usage: bash test/packaging/package_test.sh   (scripts/test.sh runs it)
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD

if [ "$(id -u)" -ne 0 ]; then
  echo "package_test: must run as root (dpkg -i)" >&2
  exit 3
fi
failures=0
ok() { echo "  ok   $*"; }
fail() { echo "  FAIL $*"; failures=$((failures + 1)); }
check() {  # check "what" command...
  local what=$1
  shift
  if "$@" >/tmp/mugai-package-check.log 2>&1; then ok "$what"; else fail "$what"; sed 's/^/       /' /tmp/mugai-package-check.log; fi
}

version=$(sed -n '1s/^mugai (\([^)]*\)).*/\1/p' debian/changelog)
cmake_version=$(sed -n 's/^project(mugai VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
echo "== package $version"
[ "$version" = "$cmake_version" ] || { echo "debian/changelog says $version, CMakeLists.txt project() says $cmake_version" >&2; exit 1; }

bash scripts/build-deb.sh
work=/tmp/mugai-package
deb=$work/mugai_${version}_amd64.deb
changes=$work/mugai_${version}_amd64.changes
ls -l "$work"/*.deb
lintian --version

echo "== lintian --fail-on error,warning"
if lintian --fail-on error,warning --display-info "$changes" >"$work/lintian.log" 2>&1; then
  ok "lintian: no error or warning"
else
  fail "lintian"
fi
sed 's/^/       /' "$work/lintian.log"

# A mugai package already on this machine is someone's installation: the
# test would purge it with its quarantine. Refuse, unless told otherwise.
if dpkg-query -W -f='${Status}' mugai 2>/dev/null | grep -qv "not-installed"; then
  if [ "${MUGAI_PACKAGE_TEST_REPLACE:-}" != 1 ]; then
    echo "package_test: the mugai package is installed (or its config is kept) on this machine; the test would" >&2
    echo "  purge it with its quarantine. Run it elsewhere, or set MUGAI_PACKAGE_TEST_REPLACE=1 to allow that." >&2
    exit 1
  fi
fi
# Data a root-run mugai left here (command 1, a test) is not the package's:
# moved aside while the package is tested, put back at the end.
saved=()
for d in /var/lib/mugai /var/spool/mugai /etc/mugai; do
  if [ -e "$d" ] && ! dpkg-query -W mugai >/dev/null 2>&1; then
    mv "$d" "$d.package-test-saved"
    saved+=("$d")
  fi
done
cleanup() {
  pkill -TERM -u _mugai -x mugaid 2>/dev/null || true
  dpkg --purge mugai >/dev/null 2>&1 || true
  for d in "${saved[@]}"; do
    rm -rf "$d"
    mv "$d.package-test-saved" "$d"
  done
}
trap cleanup EXIT
dpkg --purge mugai >/dev/null 2>&1 || true  # a package left by an earlier run

echo "== dpkg -i"
dpkg -i "$deb" >"$work/install.log" 2>&1 || { cat "$work/install.log"; echo "dpkg -i failed" >&2; exit 1; }
check "the service user _mugai exists, with no login shell" sh -c 'getent passwd _mugai | grep -q ":/usr/sbin/nologin$"'
for d in /var/spool/mugai /var/lib/mugai /var/lib/mugai/quarantine; do
  check "$d is 0750 _mugai:_mugai" sh -c "[ \"\$(stat -c '%a %U %G' $d)\" = '750 _mugai _mugai' ]"
done
check "/etc/mugai/mugai.toml is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' mugai | grep -q '/etc/mugai/mugai.toml'"
check "man -w mugaid finds the page" sh -c 'man -w mugaid | grep -q "/usr/share/man/man8/mugaid.8"'
check "man -w mugai and mugai.toml find theirs" sh -c 'man -w mugai >/dev/null && man -w 5 mugai.toml >/dev/null'
check "the workers are installed where mugaid looks" test -x /usr/lib/mugai/mugai-job-worker -a -x /usr/lib/mugai/mugai-pdf-worker
check "mugaid --check-config /etc/mugai/mugai.toml" /usr/sbin/mugaid --check-config /etc/mugai/mugai.toml
check "mugai --version says $version" sh -c "mugai --version | grep -qx 'mugai $version'"
check "systemd-analyze verify mugaid.service" systemd-analyze verify /lib/systemd/system/mugaid.service
check "systemd-analyze verify mugai-web.service" systemd-analyze verify /lib/systemd/system/mugai-web.service
check "man -w mugai-web finds the page" sh -c 'man -w mugai-web | grep -q "/usr/share/man/man8/mugai-web.8"'
check "mugai-web is installed and not enabled (it waits for an account)" sh -c \
  'test -x /usr/sbin/mugai-web && ! test -e /etc/systemd/system/multi-user.target.wants/mugai-web.service'
check "systemd-analyze verify mugai-watch@.service (an instance)" sh -c \
  'mkdir -p /srv/mugai/pkgtest/in /srv/mugai/pkgtest/out && systemd-analyze verify mugai-watch@pkgtest.service'
rm -rf /srv/mugai/pkgtest
rmdir /srv/mugai 2>/dev/null || true
# The exposure score README "Install on a server" quotes; a change of the
# unit that weakens it must update the README (the score may only improve).
score=$(systemd-analyze security --offline=true /lib/systemd/system/mugaid.service 2>/dev/null | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
readme_score=$(sed -n 's/.*systemd-analyze security mugaid.service` rates the unit \([0-9.]*\).*/\1/p' README.md)
echo "       systemd-analyze security mugaid.service: $score (README: $readme_score)"
check "the hardening score is the README's or better" awk -v s="$score" -v r="$readme_score" 'BEGIN { exit !(s != "" && r != "" && s <= r) }'
web_score=$(systemd-analyze security --offline=true /lib/systemd/system/mugai-web.service 2>/dev/null | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
readme_web_score=$(sed -n 's/.*systemd-analyze security mugai-web.service` rates the unit \([0-9.]*\).*/\1/p' README.md)
echo "       systemd-analyze security mugai-web.service: $web_score (README: $readme_web_score)"
check "the console's hardening score is the README's or better" awk -v s="$web_score" -v r="$readme_web_score" 'BEGIN { exit !(s != "" && r != "" && s <= r) }'

echo "== mugaid as the unit starts it, as _mugai"
exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/mugaid.service)
unit_umask=$(sed -n 's/^UMask=//p' /lib/systemd/system/mugaid.service)
log=$work/mugaid.log
# shellcheck disable=SC2086  # ExecStart is a command line
(umask "$unit_umask" && exec setpriv --reuid=_mugai --regid=_mugai --init-groups --inh-caps=-all $exec_start) >"$log" 2>&1 &
for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.1; done
check "mugaid listens" grep -q "listening on 127.0.0.1:2525" "$log"
cat "$log"
/usr/bin/python3 - "$top/samples/mail/07-word-macro-dde.eml" <<'PY'
import smtplib, sys
with smtplib.SMTP("127.0.0.1", 2525) as s:
    s.sendmail("sender@example.net", ["soumu@example.lg.jp"], open(sys.argv[1], "rb").read())
PY
maildir=/var/lib/mugai/maildir/soumu@example.lg.jp/new
for _ in $(seq 100); do [ -n "$(ls -A "$maildir" 2>/dev/null)" ] && break; sleep 0.1; done
check "the mail is delivered into the installed maildir" sh -c "[ \$(ls $maildir | wc -l) -eq 1 ]"
# Python's email package and zipfile judge the delivered attachment.
check "it carries 見積書.docx without its macro project (email + zipfile read it)" /usr/bin/python3 -c '
import email, email.policy, glob, io, sys, zipfile
msg = email.message_from_binary_file(open(glob.glob(sys.argv[1] + "/*")[0], "rb"), policy=email.policy.default)
names = {p.get_filename(): p for p in msg.walk() if p.get_filename()}
assert "見積書.docx" in names and "見積書.docm" not in names, names.keys()
parts = zipfile.ZipFile(io.BytesIO(names["見積書.docx"].get_content())).namelist()
assert "word/document.xml" in parts and not any("vbaProject" in n for n in parts), parts
' "$maildir"
index=/var/lib/mugai/quarantine/index.sqlite
check "its original is in the installed quarantine (sqlite3 reads the index)" sh -c \
  "[ \"\$(sqlite3 $index 'SELECT count(*) FROM items')\" = 1 ]"
check "quarantine objects are 0640 _mugai" sh -c \
  "[ -n \"\$(find /var/lib/mugai/quarantine/objects -type f)\" ] && [ -z \"\$(find /var/lib/mugai/quarantine/objects -type f ! -perm 0640)\" ] && [ -z \"\$(find /var/lib/mugai -! -user _mugai)\" ]"
pkill -TERM -u _mugai -x mugaid || true
for _ in $(seq 100); do pgrep -u _mugai -x mugaid >/dev/null || break; sleep 0.1; done
check "mugaid stopped on SIGTERM" sh -c '! pgrep -u _mugai -x mugaid'

echo "== upgrade to a newer version"
printf '# site settings\n[worker]\nmax_jobs = 50\n' >/etc/mugai/conf.d/50-site.toml
site_sum=$(sha256sum /etc/mugai/conf.d/50-site.toml)
item=$(sqlite3 $index 'SELECT id FROM items')
newer=$work/newer
rm -rf "$newer"
dpkg-deb -R "$deb" "$newer"
sed -i "s/^Version: .*/Version: ${version}+upgradetest1/" "$newer/DEBIAN/control"
dpkg-deb -b "$newer" "$work/mugai_${version}+upgradetest1_amd64.deb" >/dev/null
dpkg -i "$work/mugai_${version}+upgradetest1_amd64.deb" >"$work/upgrade.log" 2>&1 || { cat "$work/upgrade.log"; fail "dpkg -i of the newer version"; }
check "the newer version is installed" sh -c "dpkg-query -W -f='\${Version}' mugai | grep -qx '${version}+upgradetest1'"
check "the conf.d file is kept as it was" sh -c "echo '$site_sum' | sha256sum -c --quiet"
check "mugai config show reads it" sh -c "mugai config show | grep -qF 'max_jobs = 50  # /etc/mugai/conf.d/50-site.toml:3'"
check "the quarantine item is kept" sh -c "[ \"\$(sqlite3 $index 'SELECT id FROM items')\" = '$item' ]"
check "mugai quarantine show finds it (as _mugai)" setpriv --reuid=_mugai --regid=_mugai --init-groups mugai quarantine show "$item"

echo "== dpkg -r, then dpkg --purge"
dpkg -r mugai >"$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "dpkg -r"; }
check "dpkg -r removes the programs" test ! -e /usr/sbin/mugaid
check "dpkg -r keeps /var/lib/mugai and its quarantine" test -s $index
check "dpkg -r keeps the config" test -f /etc/mugai/mugai.toml -a -f /etc/mugai/conf.d/50-site.toml
dpkg --purge mugai >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "dpkg --purge"; }
check "dpkg --purge removes /var/lib/mugai" test ! -e /var/lib/mugai
check "dpkg --purge removes /var/spool/mugai" test ! -e /var/spool/mugai
check "dpkg --purge removes /etc/mugai" test ! -e /etc/mugai

if [ "$failures" -ne 0 ]; then
  echo "package_test: $failures check(s) failed" >&2
  exit 1
fi
echo "package_test: every check passed"
