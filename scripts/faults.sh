#!/usr/bin/env bash
# Bounded fault scenarios against the demo server on 127.0.0.1 (issue 13),
# each with a server of its own on a fresh SQLite file (scripts/faults.py
# does the talking and reads the server's VmRSS):
#
#   slow-clients  300 connections send the head of a POST /revoke with
#                 Content-Length: 100 and never the body, the server under
#                 `ulimit -n 256` and without the per-address limit (which
#                 would refuse most of them at once: this is about the
#                 deadline and the connection cap, as if they came from
#                 many addresses). Every one must be closed by the server
#                 within 35 s, a normal client asking every 0.5 s must be
#                 answered (within 25 s), and the server must never log
#                 "Too many open files".
#   login-flood   96 failed sign-ins at once from 16 loopback addresses,
#                 each within the per-address limit; the RSS afterwards must
#                 be within 200 MiB of before.
#   soak          anonymous browser traffic (valid /authorize, /login,
#                 /device, metadata) for SOAK_SECONDS (default 30) with the
#                 per-address limit off and a 5 s sign-in timeout; the RSS,
#                 read every tenth of the run, may grow by at most 16 MiB in
#                 the second half (what pending sign-ins hold levels off).
#
#   bash scripts/faults.sh                      # all three, debug build
#   bash scripts/faults.sh soak                 # one of them
#   SERVER=target/release/qscope SOAK_SECONDS=600 bash scripts/faults.sh soak
#
# SERVER_ARGS are added to every server's arguments; SOAK_ARGS replace the
# soak's (default: --rate-limit 0 --sign-in-timeout 5). Each scenario prints
# one line of figures (`NAME: key=value ...`); the exit status is non-zero
# when any scenario failed. The servers listen on 127.0.0.1:$FAULTS_PORT
# (default 18190). FAULTS_LOGS=DIR keeps the servers' logs there.
set -euo pipefail
cd "$(dirname "$0")/.."

SERVER=${SERVER:-target/debug/qscope}
PORT=${FAULTS_PORT:-18190}
SOAK_SECONDS=${SOAK_SECONDS:-30}
SOAK_ARGS=${SOAK_ARGS:---rate-limit 0 --sign-in-timeout 5}
read -r -a extra <<<"${SERVER_ARGS:-}"
scenarios=("$@")
[[ ${#scenarios[@]} -gt 0 ]] || scenarios=(slow-clients login-flood soak)

if [[ "$SERVER" == target/debug/qscope ]]; then
    cargo build -q --features server --bin qscope
fi
if ! command -v python3 >/dev/null 2>&1; then
    apt-get update -q >/dev/null && apt-get install -y -q python3 >/dev/null
fi

work=$(mktemp -d)
pid=
stop_server() {
    if [[ -n "$pid" ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        pid=
    fi
}
finish() {
    stop_server
    if [[ -n "${FAULTS_LOGS:-}" ]]; then
        mkdir -p "$FAULTS_LOGS" && cp "$work"/*.err "$FAULTS_LOGS"/ 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap finish EXIT

# start NAME OPEN_FILE_LIMIT ARGS...: a server on a fresh database, once it
# answers (the debug build hashes the demo password at start, slowly).
start_server() {
    local name=$1 limit=$2
    shift 2
    rm -f "$work"/db.sqlite3*
    (
        [[ -z "$limit" ]] || ulimit -n "$limit"
        exec "$SERVER" serve --demo --listen "127.0.0.1:$PORT" --db "$work/db.sqlite3" "${extra[@]}" "$@"
    ) >"$work/$name.out" 2>"$work/$name.err" &
    pid=$!
    for _ in $(seq 1 600); do
        if curl -s -o /dev/null "http://127.0.0.1:$PORT/.well-known/oauth-authorization-server"; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || { cat "$work/$name.err" >&2; return 1; }
        sleep 0.1
    done
    echo "faults: the $name server did not start" >&2
    return 1
}

failed=0
for scenario in "${scenarios[@]}"; do
    case "$scenario" in
        slow-clients)
            start_server slow 256 --rate-limit 0
            python3 scripts/faults.py slow-clients "127.0.0.1:$PORT" "$pid" || failed=1
            stop_server
            emfile=$(grep -c "Too many open files" "$work/slow.err" || true)
            echo "slow-clients: too_many_open_files_logged=$emfile"
            [[ "$emfile" -eq 0 ]] || failed=1
            ;;
        login-flood)
            start_server flood ""
            python3 scripts/faults.py login-flood "127.0.0.1:$PORT" "$pid" || failed=1
            stop_server
            ;;
        soak)
            read -r -a soak_args <<<"$SOAK_ARGS"
            start_server soak "" "${soak_args[@]}"
            python3 scripts/faults.py soak --seconds "$SOAK_SECONDS" "127.0.0.1:$PORT" "$pid" || failed=1
            stop_server
            ;;
        *)
            echo "faults: unknown scenario $scenario" >&2
            exit 2
            ;;
    esac
done
if [[ "$failed" -ne 0 ]]; then
    echo "faults: FAILED" >&2
    exit 1
fi
echo "faults: every scenario passed"
