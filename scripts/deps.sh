#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the Debian packages entitled needs to build, run or test, and only those that are
# missing. Called by `make run`, `make build` and `make test`; safe to run again at any time.
# test adds PostgreSQL (Debian's `postgresql`): scripts/pg.sh runs a throwaway server of it for the
# API tests; the cluster the package itself makes is not used.
# Usage: scripts/deps.sh [build|test|bench]
set -eu

build_pkgs="meson ninja-build pkg-config gcc libmicrohttpd-dev libjansson-dev libsqlite3-dev
libpq-dev libsodium-dev libgnutls28-dev libcurl4-openssl-dev"
test_pkgs="libcmocka-dev python3 python3-pytest python3-requests python3-jsonschema python3-jwt python3-cryptography clang
libclang-rt-14-dev sqlite3 valgrind nodejs npm postgresql systemd openssl procps"
bench_pkgs="wrk nginx gnuplot-nox curl procps"

want=$build_pkgs
case "${1:-build}" in
build) ;;
test) want="$build_pkgs $test_pkgs" ;;
bench) want="$build_pkgs $test_pkgs $bench_pkgs" ;;
*) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        # node and npm may come from elsewhere than Debian; a working command is enough.
        case "$p" in
        nodejs) command -v node >/dev/null 2>&1 && continue ;;
        npm) command -v npm >/dev/null 2>&1 && continue ;;
        esac
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "installing Debian packages:$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $sudo apt-get install -y -q --no-install-recommends $missing; then
    $sudo apt-get update -q
    $sudo apt-get install -y -q --no-install-recommends $missing
fi
