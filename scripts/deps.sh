#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the Debian packages entitled needs to build, run or test, and only those that are
# missing, then the npm packages of the web console (console/package-lock.json, `npm ci`) when
# they are not those the lock file pins: the build bundles them with no network. Called by
# `make run`, `make build` and `make test`; safe to run again at any time.
# test adds Chromium (Debian's `chromium`): the console's browser tests (tests/node/console/)
# drive it with playwright-core, which cannot download a browser of its own here.
# test adds PostgreSQL (Debian's `postgresql`): scripts/pg.sh runs a throwaway server of it for the
# API tests; the cluster the package itself makes is not used.
# Usage: scripts/deps.sh [build|test|bench]
set -eu

build_pkgs="meson ninja-build pkg-config gcc libmicrohttpd-dev libjansson-dev libsqlite3-dev
libpq-dev libsodium-dev libgnutls28-dev libcurl4-openssl-dev nodejs npm"
test_pkgs="libcmocka-dev python3 python3-pytest python3-requests python3-jsonschema python3-jwt python3-cryptography clang
libclang-rt-14-dev sqlite3 valgrind postgresql systemd openssl procps chromium fonts-dejavu-core"
bench_pkgs="wrk nginx gnuplot-nox curl procps"

want=$build_pkgs
case "${1:-build}" in
build) ;;
test) want="$build_pkgs $test_pkgs" ;;
bench) want="$build_pkgs $test_pkgs $bench_pkgs" ;;
*) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

# The console's npm packages, as console/package-lock.json pins them; npm's cache makes a
# reinstall quick, and a stamp of the lock file skips it when nothing changed.
console_packages() {
    lock=console/package-lock.json
    stamp=console/node_modules/.entitled-lock
    sum=$(sha256sum "$lock" | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && [ -d console/node_modules/esbuild ]; then
        return 0
    fi
    echo "installing the console's npm packages (npm ci --prefix console)"
    npm ci --prefix console --no-audit --no-fund --loglevel=error
    echo "$sum" >"$stamp"
}

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
if [ -n "$missing" ]; then
    echo "installing Debian packages:$missing"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    if ! $sudo apt-get install -y -q --no-install-recommends $missing; then
        $sudo apt-get update -q
        $sudo apt-get install -y -q --no-install-recommends $missing
    fi
fi
cd "$(dirname "$0")/.."
console_packages
