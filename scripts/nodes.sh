# Sourced by scripts/multinode.sh and examples/load/*.sh: demo servers on one
# PostgreSQL database.
#
#   nodes_schema URL NAME        creates schema NAME in URL's database (dropping
#                                an older one) and prints URL with search_path=NAME
#   nodes_start NAME PORT URL [ARGS...]
#                                starts "$SERVER" (set by the caller) on 127.0.0.1:PORT;
#                                its stdout/stderr go to "$NODES_DIR"/NAME.out/.err
#   nodes_wait PORT...           waits until each answers its metadata (10 s at most)
#   nodes_pid NAME               the pid of node NAME
#   nodes_stop                   stops every node started here
#   nodes_deadlocks URL          pg_stat_database.deadlocks of URL's database
#
# The caller sets SERVER (the qscope binary) and NODES_DIR (a directory
# for logs), and calls nodes_stop on exit.

NODE_PIDS=()
declare -A NODE_PID_OF=()

nodes_schema() { # url name
    local url=$1 name=$2 separator='?'
    PGOPTIONS=-cclient_min_messages=warning psql -q -v ON_ERROR_STOP=1 "$url" -c "DROP SCHEMA IF EXISTS $name CASCADE" -c "CREATE SCHEMA $name" >/dev/null
    [[ "$url" == *\?* ]] && separator='&'
    echo "${url}${separator}options=-csearch_path%3D${name}"
}

nodes_start() { # name port url args...
    local name=$1 port=$2 url=$3
    shift 3
    "$SERVER" serve --db "$url" --listen "127.0.0.1:$port" "$@" >"$NODES_DIR/$name.out" 2>"$NODES_DIR/$name.err" &
    NODE_PIDS+=($!)
    NODE_PID_OF[$name]=$!
}

nodes_wait() { # ports...
    local port
    for port in "$@"; do
        for _ in $(seq 1 100); do
            curl -sf -o /dev/null "http://127.0.0.1:$port/.well-known/oauth-authorization-server" && break
            sleep 0.1
        done
        curl -sf -o /dev/null "http://127.0.0.1:$port/.well-known/oauth-authorization-server" || return 1
    done
}

nodes_pid() { # name
    echo "${NODE_PID_OF[$1]}"
}

nodes_stop() {
    local pid
    for pid in "${NODE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${NODE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    NODE_PIDS=()
}

nodes_deadlocks() { # url
    psql -At "$1" -c "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
}
