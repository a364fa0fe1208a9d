#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs the Node client suites: every directory tests/node/<suite>/ with a package.json and a
# committed package-lock.json is a small Node project that judges entitled with third-party
# clients (OpenFeature's SDKs, jose, standardwebhooks, ...). Each suite's packages are installed
# exactly as its lock file pins them (npm ci, from the npm registry; npm's cache makes later runs
# quick), then its tests run under Node's own test runner against daemons they start themselves
# (tests/node/daemon.mjs: ENTITLED_BIN, and ENTITLED_TEST_PG_URL for the PostgreSQL cases).
# Ends with one line: "N passed in M suites".
# Usage: scripts/node-tests.sh   (called by scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

passed=0 suites=0
for lock in tests/node/*/package-lock.json; do
    [ -f "$lock" ] || continue
    suite=$(dirname "$lock")
    echo "-- $suite: npm ci"
    npm ci --prefix "$suite" --no-audit --no-fund --loglevel=error
    echo "-- $suite: node --test"
    out=$(mktemp)
    # One test file at a time: each starts daemons of its own, and two cores are shared with the
    # other lanes of make test.
    if ! (cd "$suite" && node --test --test-concurrency=1 --test-reporter=spec) 2>&1 | tee "$out"; then
        rm -f "$out"
        echo "$suite: FAILED"
        exit 1
    fi
    n=$(grep -Eo '^ℹ pass [0-9]+' "$out" | grep -Eo '[0-9]+' | tail -n 1 || echo 0)
    rm -f "$out"
    passed=$((passed + n))
    suites=$((suites + 1))
done
echo "node: $passed passed in $suites suites"
