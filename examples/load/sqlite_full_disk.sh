#!/usr/bin/env bash
# The demo server on SQLite, its database on a small tmpfs that fills up
# while wrk issues client-credentials tokens, and frees again: counts the
# answers by status (every failure must be 503 with Retry-After, never 500),
# then checks that every token answered 200 is in the database.
#
#   cargo build --release --features server --bin qscope
#   bash examples/load/sqlite_full_disk.sh          # as root: it mounts a tmpfs
#
# DURATION (default 20 s) of load; the disk is full from FULL_AT (5 s) to
# FREE_AT (15 s). SERVER=path picks another server binary. Needs wrk and sqlite3.
set -euo pipefail
cd "$(dirname "$0")/../.."

SERVER=${SERVER:-target/release/qscope}
DURATION=${DURATION:-20}
FULL_AT=${FULL_AT:-5}
FREE_AT=${FREE_AT:-15}
PORT=18193

work=$(mktemp -d)
fs=$work/fs
mkdir -p "$fs"
server=
cleanup() {
    [[ -n "$server" ]] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
    umount -l "$fs" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
say() { echo "sqlite_full_disk: $*" >&2; }

mount -t tmpfs -o size=64m tmpfs "$fs"
RUST_LOG=warn "$SERVER" serve --demo --db "$fs/demo.sqlite3" --addr "127.0.0.1:$PORT" --rate-limit 0 \
    >"$work/server.out" 2>"$work/server.err" &
server=$!
for _ in $(seq 1 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/.well-known/oauth-authorization-server" && break
    sleep 0.1
done
secret=$(sed -nE 's/.*client_secret: ([^ ]+).*/\1/p' "$work/server.out" | head -n 1)
[[ -n "$secret" ]] || { say "no demo client secret"; cat "$work/server.err" >&2; exit 1; }
export QSCOPE_BASIC=$(printf 'demo:%s' "$secret" | base64 -w0)

wrk -t2 -c16 -d"${DURATION}s" -s examples/load/status_counts.lua "http://127.0.0.1:$PORT/token" >"$work/wrk.txt" &
load=$!
sleep "$FULL_AT"
dd if=/dev/zero of="$fs/filler" bs=64k 2>/dev/null || true
say "disk full at ${FULL_AT}s ($(df --output=avail -B1 "$fs" | tail -n 1) bytes left)"
sleep $((FREE_AT - FULL_AT))
rm -f "$fs/filler"
say "space back at ${FREE_AT}s"
wait "$load"
kill "$server"
wait "$server" 2>/dev/null || true
server=

grep -v "^second " "$work/wrk.txt" >&2
stored=$(sqlite3 "$fs/demo.sqlite3" "SELECT count(*) FROM tokens WHERE kind = 'access_token'")
answered=$(awk '/^status 200:/ { print $3 }' "$work/wrk.txt")
errors=$(awk '/^status (500|502|504):/ { n += $3 } END { print n + 0 }' "$work/wrk.txt")
unavailable=$(awk '/^status 503:/ { print $3 }' "$work/wrk.txt")
missing=$(awk '/^503 without Retry-After:/ { print $4 }' "$work/wrk.txt")
# Per second of the run: "t=S 200:N 503:M".
timeline=$(awk '/^second / { sub(":", "", $3); n[$2] = n[$2] " " $3 ":" $4 } END { for (s in n) print s, n[s] }' "$work/wrk.txt" | sort -n | sed -E 's/^([0-9]+)/t=\1s/')
echo "$timeline" >&2
# After space is back (from FREE_AT + 1 on), every second has 200s and no 503.
late_503=$(awk -v from=$((FREE_AT + 1)) '/^second / && $2 >= from && $3 == "503:" { n += $4 } END { print n + 0 }' "$work/wrk.txt")
late_200=$(awk -v from=$((FREE_AT + 1)) '/^second / && $2 >= from && $3 == "200:" { n += $4 } END { print n + 0 }' "$work/wrk.txt")
say "200: ${answered:-0}, 503: ${unavailable:-0} (without Retry-After: $missing), 5xx other: $errors; access tokens stored: $stored; load $(uptime | sed -E 's/.*load average: //')"
((errors == 0)) || { say "FAILED: a full disk gave other 5xx answers than 503"; exit 1; }
((late_503 == 0 && late_200 > 0)) || { say "FAILED: after space came back: $late_200 answers 200, $late_503 answers 503"; exit 1; }
((missing == 0)) || { say "FAILED: a 503 without Retry-After"; exit 1; }
((stored >= ${answered:-0})) || { say "FAILED: $answered tokens answered 200 but only $stored stored"; exit 1; }
echo "full disk: ${unavailable:-0} answers 503, 0 other errors, every one of ${answered:-0} tokens answered 200 stored"
