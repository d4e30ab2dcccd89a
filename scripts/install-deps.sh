#!/usr/bin/env bash
# Installs every build and test dependency of mugai from Debian 12 (bookworm)
# packages. Idempotent and non-interactive; must run as root (or via sudo).
#
# Catch2 v3 comes from bookworm-backports, enabled on the same mirror as the
# machine's existing Debian source (see README "Why Catch2 v3").
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: must run as root (依存パッケージの導入には root 権限が必要です)" >&2
  exit 3
fi
export DEBIAN_FRONTEND=noninteractive

# Find the Debian mirror the machine already uses, so backports comes from it.
mirror=""
for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list; do
  [ -r "$f" ] || continue
  m=$(grep -Eo 'https?://[^ ]+/debian/?( |$)' "$f" | grep -v -- '-security' | head -n1 | tr -d ' ' || true)
  if [ -n "$m" ]; then mirror="${m%/}"; break; fi
done
mirror="${mirror:-http://deb.debian.org/debian}"
bp=/etc/apt/sources.list.d/mugai-bookworm-backports.list
line="deb ${mirror} bookworm-backports main"
if [ ! -f "$bp" ] || ! grep -qxF "$line" "$bp"; then
  echo "$line" > "$bp"
fi

apt-get update -qq
# scdoc: the man pages (doc/man/*.scd); without it they are not built.
apt-get install -y -qq --no-install-recommends \
  build-essential cmake ninja-build ccache pkg-config git file python3 scdoc \
  libgmime-3.0-dev libglib2.0-dev libmagic-dev zlib1g-dev \
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libxml2-dev libidn2-dev \
  libsqlite3-dev sqlite3 libpq-dev libzip-dev unzip libasio-dev libboost1.81-dev \
  libpoppler-cpp-dev libpoppler-glib-dev libcairo2-dev libqpdf-dev libseccomp-dev libsystemd-dev libargon2-dev libjpeg62-turbo-dev libdeflate-dev libgsf-1-dev fonts-dejavu-core \
  >/dev/null
apt-get install -y -qq --no-install-recommends -t bookworm-backports libcatch2-dev >/dev/null
# Run by mugai itself (not a build dependency): office_cdr's
# encrypted = "password" decrypts protected Office files with msoffcrypto
# (python3-msoffcrypto-tool, run confined by /usr/bin/python3).
apt-get install -y -qq --no-install-recommends python3-msoffcrypto-tool >/dev/null
# --test: the peers the tests start themselves. Postfix (a private instance
# in front of mugaid; also smtp-source/smtp-sink for the benchmarks) is
# installed with "No configuration", so the machine's own mail setup stays
# as it was. ClamAV's clamscan is the referee for what our .ndb syntax means
# (test/cli/sigs_cli_test.cpp); its signature updater is not needed (the tests
# give clamscan their own signatures), so its service is stopped if it started.
# qpdf and poppler-utils (pdfinfo, pdfdetach, pdftoppm) are the independent
# checks of pdf_rerender's output. swaks (with its TLS modules) is one of the
# SMTP clients the mugaid tests use. clang (with libFuzzer) builds the fuzz
# targets the test command runs for a short smoke. office_cdr's judges read
# documents with Debian's python3 (/usr/bin/python3: olefile, lxml) and its
# generator writes them (python-docx, openpyxl, xlsxwriter); LibreOffice
# headless shows a cleaned document still opens. Chromium, driven by
# chromium-driver and python3-selenium (versions always match in Debian),
# is the browser of the console's browser test (test/web/browser_test.py);
# IPA Gothic gives its screenshots Japanese glyphs. PostgreSQL is the
# shared quarantine's database in the [pg] tests (a private cluster each
# run: test/tools/pg_cluster.sh) and HAProxy the balancer in front of two
# mugaid nodes in the scale-out test; the tests start their own instances
# (a socket directory and ports of their own), not the packages' services.
# Command 1 needs none of these.
if [ "${1:-}" = "--test" ]; then
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get install -y -qq --no-install-recommends postfix clamav qpdf poppler-utils clang libclang-rt-14-dev \
    swaks libnet-ssleay-perl libio-socket-ssl-perl \
    python3-olefile python3-lxml python3-argon2 python3-docx python3-openpyxl python3-xlsxwriter \
    chromium chromium-driver python3-selenium fonts-ipafont-gothic \
    postgresql postgresql-contrib haproxy \
    libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui >/dev/null
  if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
    systemctl disable --now clamav-freshclam >/dev/null 2>&1 || true
  fi
fi
echo "install-deps: ok"
