#!/usr/bin/env bash
# Client-credentials issue and introspection on SQLite (synchronous=FULL)
# with a small store and again once it holds TOKENS stored tokens (default
# 1,000,000), REPEAT times each: requests per second and p99 from wrk, and
# the ratio large / small (issue 14's target: both within 10 %).
#
#   cargo build --release --features server --bin qscope
#   bash examples/load/million.sh
#
# SERVER=path picks another server binary; TOKENS, DURATION (default 10s),
# CONNECTIONS (default 32), THREADS (wrk's, default 2), REPEAT (default 3),
# PORT (default 18201). The database is a fresh file in a temporary
# directory (about 0.5 GB at a million tokens), removed at the end; the
# tokens are issued through the server itself, so filling takes a few
# minutes. Needs wrk (apt-get install wrk) and curl. Run it on an idle
# machine: wrk shares the cores with the server.
set -euo pipefail
cd "$(dirname "$0")/../.."

SERVER=${SERVER:-target/release/qscope}
TOKENS=${TOKENS:-1000000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
REPEAT=${REPEAT:-3}
PORT=${PORT:-18201}
BASE=http://127.0.0.1:$PORT

say() { echo "million: $*" >&2; }
[[ -x "$SERVER" ]] || { say "no server at $SERVER (cargo build --release --features server --bin qscope)"; exit 1; }
command -v wrk >/dev/null || { say "wrk is missing (apt-get install wrk)"; exit 1; }

work=$(mktemp -d)
trap 'kill "${server_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

RUST_LOG=warn "$SERVER" serve --demo --db "$work/q.sqlite3" --listen "127.0.0.1:$PORT" \
    --sqlite-sync full --rate-limit 0 --client-rate-limit 0 >"$work/out" 2>"$work/err" &
server_pid=$!
for _ in $(seq 1 100); do
    grep -q "client_secret:" "$work/out" 2>/dev/null && break
    sleep 0.1
done
secret=$(sed -nE 's/^ *client_secret: *(.*)$/\1/p' "$work/out")
[[ -n "$secret" ]] || { say "the server did not start: $(cat "$work/err")"; exit 1; }
QSCOPE_BASIC=$(printf 'demo:%s' "$secret" | base64 -w0)
export QSCOPE_BASIC

issued() { # tokens issued since the start (every one is stored)
    curl -s "$BASE/metrics" | sed -nE 's/^qscope_tokens_issued_total\{grant="client_credentials"\} ([0-9.e+]+).*/\1/p' |
        awk '{ printf "%d", $1 }'
}

# wrk's "Requests/sec" and 99th percentile (in ms) of one run.
run() { # script path
    local out
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$1" "$BASE$2")
    local rps p99
    rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } print v }' <<<"$out")
    if grep -q "Non-2xx" <<<"$out"; then
        say "answers other than 200: $(grep Non-2xx <<<"$out")"
    fi
    echo "$rps $p99"
}

measure() { # label
    local label=$1 i token
    token=$(curl -s -u "demo:$secret" -d grant_type=client_credentials "$BASE/token" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
    export QSCOPE_TOKEN=$token
    for i in $(seq 1 "$REPEAT"); do
        read -r rps p99 < <(run examples/load/client_credentials.lua /token)
        echo "$label issue $rps $p99" >>"$work/results"
        read -r rps p99 < <(run examples/load/introspect.lua /introspect)
        echo "$label introspect $rps $p99" >>"$work/results"
        say "$label run $i: stored $(issued) tokens"
    done
}

measure small
say "filling the store to $TOKENS tokens"
while (($(issued) < TOKENS)); do
    wrk -t"$THREADS" -c64 -d20s -s examples/load/client_credentials.lua "$BASE/token" >/dev/null
    say "stored $(issued) tokens"
done
measure large

# Medians per label and operation, and the ratios large / small.
echo "store      operation   req/s (median, min-max)   p99 ms (of the median run)"
for op in issue introspect; do
    for label in small large; do
        awk -v l="$label" -v o="$op" '$1 == l && $2 == o { print $3, $4 }' "$work/results" | sort -n |
            awk -v l="$label" -v o="$op" '{ r[NR] = $1; p[NR] = $2 } END {
                m = int((NR + 1) / 2); printf "%-10s %-11s %8.0f (%0.f-%0.f)          %6.2f\n", l, o, r[m], r[1], r[NR], p[m] }'
    done
    small=$(awk -v o="$op" '$1 == "small" && $2 == o { print $3 }' "$work/results" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    large=$(awk -v o="$op" '$1 == "large" && $2 == o { print $3 }' "$work/results" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    awk -v o="$op" -v s="$small" -v l="$large" 'BEGIN { printf "ratio large/small for %s: %.2f\n", o, l / s }'
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
