#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds entitled with ThreadSanitizer (clang) and runs the concurrency tests against it: the
# daemon stops at the first data race it sees (halt_on_error), which fails the tests.
# Usage: scripts/tsan.sh [BUILD_DIR] [pytest args…]   (called by `make test` and `make tsan`)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-tsan}
shift || true
if [ ! -f "$dir/build.ninja" ]; then
    CC=clang meson setup "$dir" --buildtype=debugoptimized -Dwerror=true \
        -Db_sanitize=thread -Db_lundef=false >"${dir%/}-setup.log" 2>&1 || {
        cat "${dir%/}-setup.log"
        exit 1
    }
fi
ninja -C "$dir" entitled >/dev/null
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:exitcode=66:second_deadlock_stack=1}
tests=(tests/api/test_00_meta.py::test_00_13_many_keep_alive_connections_are_all_answered
       tests/api/test_85_idempotency.py
       tests/api/test_50_evaluate.py::test_50_33_no_stale_snapshot_survives_concurrent_evaluates
       # OFREP's change streams: their thread, suspended connections, SIGTERM with streams open
       tests/api/test_95_ofrep.py::test_95_60_a_grant_reaches_the_stream_within_a_second
       tests/api/test_95_ofrep.py::test_95_63_sigterm_ends_the_streams
       # webhooks (issue 15): delivery workers, retries and, on PostgreSQL, three daemons' claims
       tests/api/test_97_webhooks.py::test_97_06_messages_of_an_account_arrive_in_order
       tests/api/test_97_webhooks.py::test_97_16_several_daemons_send_each_message_once)
for f in tests/api/test_61_usage_concurrency.py tests/api/test_62_consumption_concurrency.py \
    tests/api/test_71_activations_concurrency.py; do
    [ -f "$f" ] && tests+=("$f")
done
ENTITLED_BIN="$PWD/$dir/entitled" /usr/bin/python3 -m pytest -q -p no:cacheprovider "${tests[@]}" "$@"
