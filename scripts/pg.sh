#!/bin/bash
# SPDX-License-Identifier: MIT
# A throwaway PostgreSQL server for the tests, from Debian's `postgresql` package.
#
#   scripts/pg.sh start DIR PORT   initdb in DIR (trust auth for the user `entitled`), serve on
#                                  127.0.0.1:PORT only (socket in DIR), wait until it accepts
#                                  connections, create the database `entitled` and print its URL
#                                  (postgresql://entitled@127.0.0.1:PORT/entitled) on stdout
#   scripts/pg.sh stop DIR         stop it (pg_ctl stop -m fast) and remove DIR
#
# When run as root the server runs as `nobody` and DIR belongs to it, so DIR's parents must be
# searchable by everyone (e.g. under /tmp). A server a previous run left in DIR is stopped first.
# Tuned for tests, not for durability: fsync, full_page_writes and synchronous_commit are off, so
# that no commit waits for a disk (which other work on the machine may keep busy). They guard
# against a crash of the machine, or of PostgreSQL itself, which no test makes: the crash tests
# (test_87, test_90_06) kill the *daemons* with SIGKILL while PostgreSQL runs on, and what
# PostgreSQL has committed is seen by every later transaction whether or not its WAL reached the
# disk. So the tests check the same with these off.
# PG_DURABLE=1 keeps PostgreSQL's defaults instead (fsync, full_page_writes and
# synchronous_commit on: every commit waits for the disk), for benchmarks that claim durable
# writes (bench/scaleout.sh); DIR must then be on a disk, not a tmpfs.
# On any failure the server's log is printed. PG_BIN overrides the directory of the binaries.
set -euo pipefail

usage() {
    echo "usage: $0 start DIR PORT | stop DIR" >&2
    exit 2
}

bindir() {
    if [ -n "${PG_BIN:-}" ]; then
        echo "$PG_BIN"
        return
    fi
    local d
    d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null |
        sort -V | tail -n 1)
    if [ -z "$d" ] || [ ! -x "$d/initdb" ]; then
        echo "$0: no PostgreSQL server in /usr/lib/postgresql/*/bin (install the Debian" \
            "package postgresql: scripts/deps.sh test)" >&2
        exit 1
    fi
    echo "$d"
}

# Runs a command as the owner of the server: nobody when we are root, else ourselves.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u nobody -- "$@"
    else
        "$@"
    fi
}

show_log() {
    local dir=$1
    if [ -f "$dir/server.log" ]; then
        echo "---- PostgreSQL server log ($dir/server.log)" >&2
        tail -n 100 "$dir/server.log" >&2
        echo "----" >&2
    fi
}

# Stops the server in DIR if one runs there; removes DIR when it is one of ours.
stop() {
    local dir=$1 bin
    [ -e "$dir" ] || return 0
    [ -n "$(ls -A "$dir")" ] || return 0 # an empty directory (mktemp -d, say): nothing runs
    if [ ! -f "$dir/.entitled-pg" ]; then
        echo "$0: $dir was not made by $0 start; not touching it" >&2
        return 1
    fi
    bin=$(bindir)
    if [ -f "$dir/data/postmaster.pid" ]; then
        (cd "$dir" && as_owner "$bin/pg_ctl" -D "$dir/data" stop -m fast -w -t 60 \
            >/dev/null 2>&1) || {
            # The server is gone but left its pid file, or it does not stop: make sure.
            local pid
            pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
            if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
                grep -q postgres "/proc/$pid/comm" 2>/dev/null; then
                kill -QUIT "$pid" 2>/dev/null || true
                for _ in $(seq 50); do
                    kill -0 "$pid" 2>/dev/null || break
                    sleep 0.1
                done
            fi
        }
    fi
    rm -rf "$dir"
}

start() {
    local dir=$1 port=$2 bin
    case "$port" in
    '' | *[!0-9]*) usage ;;
    esac
    bin=$(bindir)
    stop "$dir"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    touch "$dir/.entitled-pg"
    if [ "$(id -u)" -eq 0 ]; then
        chown nobody:nogroup "$dir"
        chmod 0700 "$dir"
    fi
    trap 'show_log "$dir"' ERR

    (cd "$dir" && as_owner "$bin/initdb" -D "$dir/data" -U entitled --auth=trust -E UTF8 \
        --no-locale --no-instructions) >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    cat >>"$dir/data/postgresql.conf" <<EOF

# scripts/pg.sh: a throwaway server for the tests, on the loopback interface only.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
log_min_messages = warning
log_min_error_statement = panic
EOF
    if [ "${PG_DURABLE:-0}" = 1 ]; then
        cat >>"$dir/data/postgresql.conf" <<EOF
# PG_DURABLE=1: PostgreSQL's durable defaults; checkpoints spread over a larger WAL.
max_wal_size = 2GB
shared_buffers = 256MB
EOF
    else
        cat >>"$dir/data/postgresql.conf" <<EOF
# Not durable (see the top of scripts/pg.sh): nothing waits for the disk.
fsync = off
synchronous_commit = off
full_page_writes = off
# Its directory may be on a tmpfs (scripts/test.sh): a small WAL (checkpoints cost little here).
max_wal_size = 256MB
EOF
    fi
    (cd "$dir" && as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        >/dev/null)

    local deadline=$((SECONDS + 60))
    until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U entitled -d postgres; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "$0: PostgreSQL on 127.0.0.1:$port did not accept connections in 60 s" >&2
            false
        fi
        sleep 0.1
    done
    "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U entitled -d postgres \
        -c 'CREATE DATABASE entitled' >/dev/null
    trap - ERR
    echo "postgresql://entitled@127.0.0.1:$port/entitled"
}

case "${1:-}" in
start)
    [ $# -eq 3 ] || usage
    start "$2" "$3"
    ;;
stop)
    [ $# -eq 2 ] || usage
    stop "$2"
    ;;
*) usage ;;
esac
