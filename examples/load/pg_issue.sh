#!/usr/bin/env bash
# Client-credentials token issue for ONE client on PostgreSQL, through one
# demo server and then through two on the same database: requests per
# second and p99 (wrk), lock waits (pg_stat_activity sampled every 100 ms)
# and the CPU cost per token (the servers' and their PostgreSQL backends'
# CPU time over the tokens issued), REPEAT times each.
#
#   cargo build --release --features server --bin qscope
#   QSCOPE_LOAD_POSTGRES_URL=postgres://qscope:qscope@127.0.0.1:5432/DB bash examples/load/pg_issue.sh
#
# Works in a fresh schema `qscope_load` of that database (dropped first).
# SERVER=path picks another server binary (e.g. an older build, to compare);
# DURATION (default 10s), CONNECTIONS (total, default 32), REPEAT (default 3),
# NODES ("1 2" by default). Needs wrk (apt-get install wrk) and psql.
set -euo pipefail
cd "$(dirname "$0")/../.."

URL=${QSCOPE_LOAD_POSTGRES_URL:?set QSCOPE_LOAD_POSTGRES_URL to a PostgreSQL database}
SERVER=${SERVER:-target/release/qscope}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
REPEAT=${REPEAT:-3}
NODES=${NODES:-1 2}
PORTS=(18191 18192)
TICK=$(getconf CLK_TCK)

work=$(mktemp -d)
NODES_DIR=$work
. scripts/nodes.sh
trap 'nodes_stop; kill "${sampler:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

say() { echo "pg_issue: $*" >&2; }

cpu_ticks() { # pids... -> utime + stime summed
    local pid total=0 fields
    for pid in "$@"; do
        fields=$(cut -d' ' -f14,15 "/proc/$pid/stat" 2>/dev/null) || continue
        total=$((total + ${fields% *} + ${fields#* }))
    done
    echo "$total"
}

backends() { # the database's sessions but this one
    psql -At "$URL" -c "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
}

run_wrk() { # nodes seconds -> one wrk per node, in parallel, outputs in $work/wrk-N.txt
    local nodes=$1 seconds=$2 i per=$((CONNECTIONS / $1))
    local pids=()
    for ((i = 0; i < nodes; i++)); do
        wrk -t1 -c"$per" -d"$seconds" --latency -s examples/load/client_credentials.lua \
            "http://127.0.0.1:${PORTS[$i]}/token" >"$work/wrk-$i.txt" &
        pids+=($!)
    done
    wait "${pids[@]}"
}

schema_url=$(nodes_schema "$URL" qscope_load)
RUST_LOG=warn nodes_start a "${PORTS[0]}" "$schema_url" --rate-limit 0 --demo
nodes_wait "${PORTS[0]}" || { cat "$work/a.err" >&2; exit 1; }
secret=$(sed -nE 's/.*client_secret: ([^ ]+).*/\1/p' "$work/a.out" | head -n 1)
[[ -n "$secret" ]] || { say "no demo client secret in the server's output"; exit 1; }
export QSCOPE_BASIC=$(printf 'demo:%s' "$secret" | base64 -w0)
RUST_LOG=warn nodes_start b "${PORTS[1]}" "$schema_url" --rate-limit 0 --demo
nodes_wait "${PORTS[1]}" || { cat "$work/b.err" >&2; exit 1; }

for nodes in $NODES; do
    servers=("$(nodes_pid a)")
    ((nodes == 2)) && servers+=("$(nodes_pid b)")
    run_wrk "$nodes" 2s # fills the pools: every backend exists before measuring
    for ((r = 1; r <= REPEAT; r++)); do
        mapfile -t pg < <(backends)
        { echo "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*) FILTER (WHERE state = 'active'), coalesce(string_agg(wait_event_type || ':' || wait_event, ',') FILTER (WHERE state = 'active'), '-') FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid();"; echo '\watch 0.1'; } |
            psql -At "$URL" >"$work/samples.txt" 2>/dev/null &
        sampler=$!
        server_before=$(cpu_ticks "${servers[@]}")
        pg_before=$(cpu_ticks "${pg[@]}")
        run_wrk "$nodes" "$DURATION"
        server_after=$(cpu_ticks "${servers[@]}")
        pg_after=$(cpu_ticks "${pg[@]}")
        kill "$sampler" 2>/dev/null || true
        wait "$sampler" 2>/dev/null || true
        load=$(uptime | sed -E 's/.*load average: //')
        cat "$work"/wrk-*.txt | awk -v nodes="$nodes" -v r="$r" -v tick="$TICK" \
            -v sb="$server_before" -v sa="$server_after" -v pb="$pg_before" -v pa="$pg_after" \
            -v load="$load" -v samples="$work/samples.txt" '
            function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
            /Requests\/sec:/ { rps += $2 }
            /^ +99%/ { p = ms($2); if (p > p99) p99 = p }
            /requests in/ { requests += $1 }
            /Non-2xx/ { errors += $NF }
            END {
                while ((getline line < samples) > 0) {
                    if (split(line, f, "|") == 3) {
                        n++; waiting += f[1]; active += f[2]; if (f[1] > maxw) maxw = f[1]
                        k = split(f[3], w, ","); for (i = 1; i <= k; i++) if (w[i] != "-") seen[w[i]]++
                    }
                }
                top = ""
                for (t = 0; t < 3; t++) {
                    best = ""; bn = 0
                    for (e in seen) if (seen[e] > bn) { best = e; bn = seen[e] }
                    if (best == "") break
                    top = top sprintf(" %s %.1f", best, bn / n); delete seen[best]
                }
                ok = requests - errors
                printf "nodes=%d run=%d  %.0f req/s  p99 %.1f ms  non-2xx %d  lock waits: mean %.2f max %d of %.1f active (%d samples; top waits per sample:%s)  CPU/token: server %.3f ms, PostgreSQL %.3f ms  load %s\n",
                    nodes, r, rps, p99, errors, (n ? waiting / n : 0), maxw, (n ? active / n : 0), n, top,
                    (sa - sb) * 1000 / tick / ok, (pa - pb) * 1000 / tick / ok, load
            }'
    done
done
