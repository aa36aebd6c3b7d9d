#!/usr/bin/env bash
# Two demo servers, two processes, one PostgreSQL database.
#
# 1. Sessions across nodes: a user signs in through node A's page and
#    approves the consent page served by node B; the code works at node A.
# 2. Races: the same authorization code, and then the same refresh token,
#    are redeemed through both at once, ROUNDS times (default 10). Every race
#    must have exactly one winner (200) and one loser (400 invalid_grant).
# 3. FIFO limits meeting rotation: MIX_BURSTS times (default 3), twelve new
#    codes are redeemed while every live refresh token is rotated, all at
#    once (12 to 17 requests, half through each node), under the demo's FIFO
#    limits (5 refresh tokens per client and user, 2 access tokens per
#    refresh chain). Every request must get 200, or 400 invalid_grant (a
#    rotation whose token a concurrent trim revoked) — never 503 — at most 5
#    refresh tokens may stay live, and PostgreSQL must count no deadlock.
#
#   bash scripts/multinode.sh            # needs root on Debian: PostgreSQL comes from .ci/postgres.sh
#
# PostgreSQL runs in a cluster of its own (`multinode`, created on the next
# free port) that is stopped again at the end; the database is created
# afresh for each run. MULTINODE_POSTGRES_URL=postgres://… uses that database
# instead (in a fresh schema `qscope_multinode`; no cluster is started).
# MULTINODE_PROFILE=release runs release builds (default: debug). The servers
# listen on 127.0.0.1:18181 and :18182. MULTINODE_LOGS=DIR keeps the two
# servers' logs (a.err, b.err) there.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-10}
MIX_BURSTS=${MIX_BURSTS:-3}
PROFILE=${MULTINODE_PROFILE:-debug}
PORT_A=18181
PORT_B=18182
ISSUER=http://127.0.0.1:18180 # what a load balancer in front of both would be
REDIRECT=http://127.0.0.1/callback
VERIFIER=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk
CHALLENGE=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM
FIFO_PER_USER=5 # given to both nodes as fifo.refresh_per_client_subject
export QSCOPE_PG_CLUSTER=multinode

work=$(mktemp -d)
NODES_DIR=$work
. scripts/nodes.sh
cleanup() {
    nodes_stop
    [[ -z "${MULTINODE_POSTGRES_URL:-}" ]] && { bash .ci/postgres.sh stop >/dev/null 2>&1 || true; }
    if [[ -n "${MULTINODE_LOGS:-}" ]]; then
        mkdir -p "$MULTINODE_LOGS" && cp "$work"/a.err "$work"/b.err "$MULTINODE_LOGS"/ 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

log() { echo "multinode: $*" >&2; }
fail() {
    log "FAILED: $*"
    for node in a b; do
        [[ -f "$work/$node.err" ]] && { echo "--- node $node log (tail)" >&2; tail -n 20 "$work/$node.err" >&2; }
    done
    exit 1
}

# PostgreSQL, and a fresh database (or schema) for this run.
if [[ -n "${MULTINODE_POSTGRES_URL:-}" ]]; then
    db_url=$MULTINODE_POSTGRES_URL
    url=$(nodes_schema "$db_url" qscope_multinode)
else
    bash .ci/postgres.sh "$work/pg.env" >/dev/null
    . "$work/pg.env"
    pg_port=$(sed -E 's/.*@127\.0\.0\.1:([0-9]+)\/.*/\1/' <<<"$QSCOPE_TEST_POSTGRES_URL")
    su postgres -s /bin/sh -c "dropdb -p $pg_port --if-exists qscope_multinode && createdb -p $pg_port -O qscope qscope_multinode"
    db_url="postgres://qscope:qscope@127.0.0.1:$pg_port/qscope_multinode"
    url=$db_url
fi

log "building qscope ($PROFILE)"
if [[ "$PROFILE" == release ]]; then
    cargo build -q --release --features server --bin qscope
else
    cargo build -q --features server --bin qscope
fi
SERVER=target/$PROFILE/qscope

# A client for the races, made with the admin tool (its secret on stdout).
eval "$("$SERVER" --db "$url" client create --id racer --name "Race client" \
    --grant authorization_code --grant refresh_token --redirect-uri "$REDIRECT" --scope read)"
[[ "$CLIENT_ID" == racer && -n "$CLIENT_SECRET" ]] || fail "no client from the admin tool"

for node in a b; do
    port=$PORT_A
    [[ $node == b ]] && port=$PORT_B
    nodes_start "$node" "$port" "$url" --issuer "$ISSUER" --rate-limit 0 --demo \
        --set "fifo.refresh_per_client_subject=$FIFO_PER_USER" --set fifo.access_per_refresh=2
done
nodes_wait "$PORT_A" "$PORT_B" || fail "the nodes did not start"
log "two nodes up on :$PORT_A and :$PORT_B over $url"

hidden() { # page field -> value of <input type="hidden" name=field>
    grep -o "name=\"$2\" value=\"[^\"]*\"" "$1" | head -n 1 | sed -E 's/.*value="([^"]*)"/\1/'
}

# The browser flow on one node (its sessions are its own): authorize,
# sign in when needed, consent; prints the code.
code_via() { # port jar
    local base="http://127.0.0.1:$1" jar=$2 next page="$work/page.html"
    next=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$jar" -c "$jar" \
        "$base/authorize?response_type=code&client_id=racer&redirect_uri=$REDIRECT&scope=read&state=s&code_challenge=$CHALLENGE&code_challenge_method=S256")
    if [[ "$next" == */login* ]]; then
        curl -s -b "$jar" -c "$jar" -o "$page" "$next"
        next=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$jar" -c "$jar" \
            --data-urlencode "csrf=$(hidden "$page" csrf)" --data-urlencode "next=$(hidden "$page" next)" \
            -d username=alice -d password=wonderland "$base/login")
    fi
    [[ "$next" == */consent* ]] || fail "expected the consent page, got '$next'"
    curl -s -b "$jar" -c "$jar" -o "$page" "$next"
    local location
    location=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$jar" -c "$jar" \
        --data-urlencode "csrf=$(hidden "$page" csrf)" --data-urlencode "request=$(hidden "$page" request)" \
        -d decision=approve "$base/consent")
    [[ "$location" == "$REDIRECT?code="* ]] || fail "expected a redirect with a code, got '$location'"
    sed -E 's/.*[?&]code=([^&]+).*/\1/' <<<"$location"
}

# The browser flow across the nodes, as behind a load balancer without
# sticky sessions: authorize and sign in on node A, then load and approve
# the consent page on node B (the session and the pending interaction are
# in the database, not in A's memory); prints the code.
code_across() {
    local a="http://127.0.0.1:$PORT_A" b="http://127.0.0.1:$PORT_B" jar=$work/jar-across next page="$work/page.html"
    rm -f "$jar"
    next=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$jar" -c "$jar" \
        "$a/authorize?response_type=code&client_id=racer&redirect_uri=$REDIRECT&scope=read&state=s&code_challenge=$CHALLENGE&code_challenge_method=S256")
    [[ "$next" == */login* ]] || fail "across: expected the sign-in page on node A, got '$next'"
    curl -s -b "$jar" -c "$jar" -o "$page" "$next"
    next=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$jar" -c "$jar" \
        --data-urlencode "csrf=$(hidden "$page" csrf)" --data-urlencode "next=$(hidden "$page" next)" \
        -d username=alice -d password=wonderland "$a/login")
    [[ "$next" == "$a/"* ]] || fail "across: expected a redirect on node A after sign-in, got '$next'"
    next="$b/${next#"$a/"}" # the next request lands on the other node
    local location
    if [[ "$next" == */consent* ]]; then
        curl -s -b "$jar" -c "$jar" -o "$page" -w '%{http_code}' "$next" >"$work/consent.status"
        [[ "$(cat "$work/consent.status")" == 200 ]] || fail "across: node B answered the consent page with $(cat "$work/consent.status")"
        grep -q 'alice' "$page" || fail "across: node B's consent page does not know the user signed in on node A"
        location=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$jar" -c "$jar" \
            --data-urlencode "csrf=$(hidden "$page" csrf)" --data-urlencode "request=$(hidden "$page" request)" \
            -d decision=approve "$b/consent")
    else # a consent remembered from an earlier round: node B answers the authorization itself
        location=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$jar" -c "$jar" "$next")
    fi
    [[ "$location" == "$REDIRECT?code="* ]] || fail "across: expected a redirect with a code from node B, got '$location'"
    sed -E 's/.*[?&]code=([^&]+).*/\1/' <<<"$location"
}

# Sends the same token request to both nodes at once (one curl, two
# parallel transfers); checks one 200 and one 400 invalid_grant; prints the
# winner's body.
race() { # form-fields...
    local fields=() field
    for field in "$@"; do fields+=(--data-urlencode "$field"); done
    curl -s -Z --parallel-immediate \
        -u "$CLIENT_ID:$CLIENT_SECRET" "${fields[@]}" -o "$work/a.json" -w 'a %{http_code}\n' "http://127.0.0.1:$PORT_A/token" \
        --next -s -u "$CLIENT_ID:$CLIENT_SECRET" "${fields[@]}" -o "$work/b.json" -w 'b %{http_code}\n' "http://127.0.0.1:$PORT_B/token" \
        >"$work/status" 2>"$work/curl.err"
    local a b
    a=$(awk '$1 == "a" { print $2 }' "$work/status")
    b=$(awk '$1 == "b" { print $2 }' "$work/status")
    case "$a/$b" in
    200/400) winner=a loser=b ;;
    400/200) winner=b loser=a ;;
    *) fail "expected exactly one 200 and one 400, got node a $a, node b $b ($(cat "$work/a.json" "$work/b.json"))" ;;
    esac
    grep -q '"error":"invalid_grant"' "$work/$loser.json" || fail "the loser did not get invalid_grant: $(cat "$work/$loser.json")"
    echo "$winner"
}

introspect() { # token -> the "active" member
    curl -s -u "$CLIENT_ID:$CLIENT_SECRET" --data-urlencode "token=$1" "http://127.0.0.1:$PORT_A/introspect" |
        sed -E 's/.*"active":(true|false).*/\1/'
}

field() { # json-file member
    sed -E "s/.*\"$2\":\"([^\"]+)\".*/\1/" "$1"
}

# Sign in on node A, consent on node B, redeem the code on node A.
code=$(code_across)
status=$(curl -s -u "$CLIENT_ID:$CLIENT_SECRET" -o "$work/across.json" -w '%{http_code}' -d grant_type=authorization_code \
    --data-urlencode "code=$code" --data-urlencode "redirect_uri=$REDIRECT" -d "code_verifier=$VERIFIER" \
    "http://127.0.0.1:$PORT_A/token")
[[ "$status" == 200 ]] || fail "across: the code from node B's consent got $status at node A: $(cat "$work/across.json")"
[[ "$(introspect "$(field "$work/across.json" access_token)")" == true ]] || fail "across: the token is not active"
log "signed in on node A, consented on node B, and node A redeemed the code"

wins_a=0
wins_b=0
for round in $(seq 1 "$ROUNDS"); do
    # Alternate the node that runs the browser flow.
    if ((round % 2)); then port=$PORT_A jar=$work/jar-a; else port=$PORT_B jar=$work/jar-b; fi

    # One code, redeemed through both nodes at once.
    code=$(code_via "$port" "$jar")
    winner=$(race grant_type=authorization_code "code=$code" "redirect_uri=$REDIRECT" "code_verifier=$VERIFIER")
    [[ $winner == a ]] && wins_a=$((wins_a + 1)) || wins_b=$((wins_b + 1))
    # The replay revoked what the winner got (RFC 6749 §4.1.2), whichever node saw it.
    [[ "$(introspect "$(field "$work/$winner.json" access_token)")" == false ]] ||
        fail "the replayed code's access token is still active"

    # One refresh token, from a code redeemed once, rotated through both nodes at once.
    code=$(code_via "$port" "$jar")
    curl -s -u "$CLIENT_ID:$CLIENT_SECRET" -o "$work/tokens.json" -d grant_type=authorization_code \
        --data-urlencode "code=$code" --data-urlencode "redirect_uri=$REDIRECT" -d "code_verifier=$VERIFIER" \
        "http://127.0.0.1:$port/token"
    refresh=$(field "$work/tokens.json" refresh_token)
    [[ "$refresh" != "$(cat "$work/tokens.json")" ]] || fail "no refresh token in $(cat "$work/tokens.json")"
    winner=$(race grant_type=refresh_token "refresh_token=$refresh")
    [[ $winner == a ]] && wins_a=$((wins_a + 1)) || wins_b=$((wins_b + 1))
    log "round $round: the code and the refresh token were each redeemed exactly once"
done
log "$((2 * ROUNDS)) races, each with exactly one winner (node a won $wins_a, node b $wins_b)"

# A token request in a curl config file (one transfer; alternate nodes).
transfer() { # config n fields...
    local config=$1 n=$2 port=$PORT_A field
    shift 2
    ((n % 2)) && port=$PORT_B
    ((n > 0)) && echo next >>"$config"
    {
        echo "url = \"http://127.0.0.1:$port/token\""
        echo "user = \"$CLIENT_ID:$CLIENT_SECRET\""
        for field in "$@"; do echo "data-urlencode = \"$field\""; done
        echo "output = \"$work/mix-$n.json\""
        echo "write-out = \"$n %{http_code}\\n\""
    } >>"$config"
}

deadlocks_before=$(nodes_deadlocks "$db_url")
live=() requests=0 issued=0 refused=0 unavailable=0
for burst in $(seq 1 "$MIX_BURSTS"); do
    codes=()
    for i in $(seq 1 12); do
        if ((i % 2)); then codes+=("$(code_via "$PORT_A" "$work/jar-a")"); else codes+=("$(code_via "$PORT_B" "$work/jar-b")"); fi
    done
    config=$work/burst.cfg n=0
    : >"$config"
    for code in "${codes[@]}"; do
        transfer "$config" $n grant_type=authorization_code "code=$code" "redirect_uri=$REDIRECT" "code_verifier=$VERIFIER"
        n=$((n + 1))
    done
    for refresh in "${live[@]}"; do
        transfer "$config" $n grant_type=refresh_token "refresh_token=$refresh"
        n=$((n + 1))
    done
    curl -s --parallel --parallel-immediate --parallel-max 32 -K "$config" >"$work/burst.status" 2>"$work/curl.err" ||
        fail "curl failed: $(cat "$work/curl.err")"
    fresh=()
    while read -r i status; do
        requests=$((requests + 1))
        case $status in
        200)
            issued=$((issued + 1))
            fresh+=("$(field "$work/mix-$i.json" refresh_token)")
            ;;
        400)
            grep -q '"error":"invalid_grant"' "$work/mix-$i.json" || fail "request $i: $(cat "$work/mix-$i.json")"
            refused=$((refused + 1))
            ;;
        503) unavailable=$((unavailable + 1)) ;;
        *) fail "burst $burst, request $i: $status $(cat "$work/mix-$i.json")" ;;
        esac
    done <"$work/burst.status"
    ((n == $(wc -l <"$work/burst.status"))) || fail "burst $burst: $n requests, $(wc -l <"$work/burst.status") answers"
    # Every refresh token sent was rotated or revoked; of the new ones, at
    # most the limit is live.
    live=()
    for refresh in "${fresh[@]}"; do
        [[ "$(introspect "$refresh")" == true ]] && live+=("$refresh")
    done
    ((${#live[@]} <= FIFO_PER_USER)) || fail "burst $burst: ${#live[@]} live refresh tokens for one user (limit $FIFO_PER_USER)"
    ((${#live[@]} > 0)) || fail "burst $burst: no refresh token stayed live"
done
deadlocks=$(($(nodes_deadlocks "$db_url") - deadlocks_before))
log "FIFO mix: $MIX_BURSTS bursts, $requests requests: $issued answered 200, $refused invalid_grant, $unavailable 503; $deadlocks deadlocks in PostgreSQL"
((unavailable == 0 && deadlocks == 0)) || fail "the FIFO mix had $unavailable answers 503 and $deadlocks deadlocks"
echo "$((2 * ROUNDS)) races and $requests FIFO-mix requests passed, 0 failed"
