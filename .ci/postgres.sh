#!/usr/bin/env bash
# PostgreSQL for the store contract tests, on a Debian machine, as root.
#
#   bash .ci/postgres.sh [ENV_FILE]   install (if needed), start, prepare
#   bash .ci/postgres.sh stop         stop the cluster again
#
# Start installs PostgreSQL from Debian's packages when it is missing
# (apt-get install postgresql), creates the cluster if there is none,
# starts it, creates the role `qscope` (password `qscope`) and the database
# `qscope_test` it owns, and prints the line to source:
#
#   export QSCOPE_TEST_POSTGRES_URL=postgres://qscope:qscope@127.0.0.1:PORT/qscope_test
#
# With ENV_FILE it also writes that line there, so a caller can do
#
#   bash .ci/postgres.sh /tmp/pg.env && . /tmp/pg.env
#   cargo test --all-features --test store_contract --test postgres_store
#   bash .ci/postgres.sh stop
#
# Every step is idempotent: running it twice leaves one running cluster.
# QSCOPE_PG_CLUSTER picks another cluster than Debian's `main` (created on
# the next free port if it does not exist).
set -euo pipefail

ROLE=qscope
PASSWORD=qscope
DATABASE=qscope_test
CLUSTER=${QSCOPE_PG_CLUSTER:-main}

log() { echo "postgres.sh: $*" >&2; }

installed_version() {
    ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1
}

ensure_installed() {
    local version
    version=$(installed_version)
    if [[ -n "$version" && -x "/usr/lib/postgresql/$version/bin/postgres" ]] &&
        command -v pg_ctlcluster >/dev/null; then
        return
    fi
    log "installing PostgreSQL from Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
}

cluster_field() { # $1 version, $2 column of pg_lsclusters (3 port, 4 status)
    pg_lsclusters --no-header | awk -v v="$1" -v c="$CLUSTER" -v f="$2" '$1 == v && $2 == c { print $f }'
}

as_postgres() {
    su postgres -s /bin/sh -c "$*"
}

start() {
    ensure_installed
    local version port
    version=$(installed_version)
    if [[ -z "$(cluster_field "$version" 3)" ]]; then
        log "creating cluster $version/$CLUSTER"
        pg_createcluster "$version" "$CLUSTER" >/dev/null
    fi
    if [[ "$(cluster_field "$version" 4)" != online ]]; then
        log "starting cluster $version/$CLUSTER"
        pg_ctlcluster "$version" "$CLUSTER" start
    fi
    port=$(cluster_field "$version" 3)
    for _ in $(seq 1 30); do
        pg_isready -q -h 127.0.0.1 -p "$port" && break
        sleep 1
    done
    pg_isready -h 127.0.0.1 -p "$port" >&2
    as_postgres "psql -q -v ON_ERROR_STOP=1 -p $port -d postgres" <<SQL
DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
        CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD';
    END IF;
END \$\$;
SQL
    if [[ -z "$(as_postgres "psql -tA -p $port -d postgres -c \"SELECT 1 FROM pg_database WHERE datname = '$DATABASE'\"")" ]]; then
        as_postgres "createdb -p $port -O $ROLE $DATABASE"
    fi
    local line="export QSCOPE_TEST_POSTGRES_URL=postgres://$ROLE:$PASSWORD@127.0.0.1:$port/$DATABASE"
    if [[ $# -gt 0 ]]; then
        echo "$line" >"$1"
        log "wrote $1"
    fi
    echo "$line"
}

stop() {
    local version
    version=$(installed_version)
    if [[ -n "$version" && "$(cluster_field "$version" 4)" == online ]]; then
        log "stopping cluster $version/$CLUSTER"
        pg_ctlcluster "$version" "$CLUSTER" stop
    fi
}

case "${1:-}" in
stop) stop ;;
*) start "$@" ;;
esac
