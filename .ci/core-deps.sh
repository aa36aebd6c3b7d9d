#!/usr/bin/env bash
# Fails if the core (no features) depends on anything but the protocol crates.
set -euo pipefail
allowed='^(qscope|http|serde|serde_json|serde_derive|sha2|base64|rand_core|subtle|thiserror|thiserror-impl|bytes|fnv|itoa|ryu|memchr|block-buffer|cpufeatures|digest|generic-array|typenum|version_check|crypto-common|libc|proc-macro2|quote|syn|unicode-ident|zerocopy|zerocopy-derive|serde_core|cfg-if|zmij)$'
direct=$(cargo tree -e normal --no-default-features --depth 1 --prefix none --format '{p}' | awk 'NR>1 {print $1}' | sort -u)
expected="base64 http rand_core serde serde_json sha2 subtle thiserror"
if [ "$(echo $direct)" != "$expected" ]; then
    echo "direct core dependencies changed: got '$(echo $direct)', expected '$expected'" >&2
    exit 1
fi
bad=$(cargo tree -e normal --no-default-features --prefix none --format '{p}' | awk '{print $1}' | sort -u | grep -Ev "$allowed" || true)
if [ -n "$bad" ]; then
    echo "unexpected transitive core dependencies: $bad" >&2
    exit 1
fi
echo "core dependencies: $expected"
