#!/usr/bin/env bash
# Builds the Debian package from the tracked files of this tree (a clean
# copy in /tmp/mugai-package, so no build directory or local file slips in):
#   bash scripts/build-deb.sh     ->  /tmp/mugai-package/mugai_VERSION_amd64.deb
# Installs the build dependencies first (scripts/install-deps.sh, then
# debhelper, dpkg-dev, scdoc and lintian). Must run as root (apt-get).
# The path is fixed on purpose: dpkg-buildflags maps it away
# (-ffile-prefix-map), and ccache then hits from one build to the next.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

bash scripts/install-deps.sh
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  debhelper dpkg-dev scdoc lintian man-db >/dev/null

version=$(sed -n '1s/^mugai (\([^)]*\)).*/\1/p' debian/changelog)
work=/tmp/mugai-package
src=$work/mugai-$version
rm -rf "$work"
mkdir -p "$src"
git ls-files -z | xargs -0 tar -cf - --no-recursion | tar -xf - -C "$src"
export CCACHE_BASEDIR=$src
# debhelper (compat 13) gives the build a HOME of its own: name the cache.
CCACHE_DIR=${CCACHE_DIR:-$(ccache -k cache_dir 2>/dev/null || echo "$HOME/.cache/ccache")}
export CCACHE_DIR
export DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}"
echo "build-deb: dpkg-buildpackage -us -uc -b in $src (log: $work/build.log)"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
  tail -n 60 "$work/build.log" >&2
  echo "build-deb: the package did not build (パッケージを作成できませんでした)" >&2
  exit 1
fi
cd "$top"
echo "build-deb: $work/mugai_${version}_amd64.deb"
