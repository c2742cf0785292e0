#!/usr/bin/env bash
# Property-based tests of the API against its own served OpenAPI document, with schemathesis,
# logged in as several roles. Fails on any server error (5xx) or any answer whose status,
# content type or body the document does not describe.
#
#   .ci/schemathesis.sh [path/to/redress]
#
# Without a path it builds the binary with cargo. It starts `redress serve --demo` on a free
# local port (a throwaway database), logs in as each role, runs schemathesis for each with a
# bounded number of examples per operation, and stops the server. Logging out and changing
# the password are left out, so that a run does not end its own session.
# SCHEMATHESIS_EXAMPLES (default 10) bounds the examples per operation and role;
# SCHEMATHESIS_ROLES narrows the users (default: every role below).
set -euo pipefail
shopt -s inherit_errexit 2>/dev/null || true
cd "$(dirname "$0")/.."

version=4.32.5 # works on Python 3.9 and later (3.11 here)
target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
venv="${SCHEMATHESIS_VENV:-$target/schemathesis-venv}"
if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==$version"
fi

binary="${1:-}"
if [ -z "$binary" ]; then
  cargo build --quiet -p redress --locked
  binary="$target/debug/redress"
fi

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
work="$(mktemp -d)"
"$binary" serve --demo --victims 60 --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
stop() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT
for _ in $(seq 1 120); do
  curl -sf "$base/healthz" >/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 1
done
curl -sf "$base/healthz" >/dev/null

admin_password="$(sed -n 's/^ *contraseña \/ password: *//p' "$work/server.log" | sed -n 1p)"
demo_password="$(sed -n 's/.*(contraseña \/ password: \(.*\)):$/\1/p' "$work/server.log" | sed -n 1p)"
token() { # user password
  curl -sf -X POST "$base/api/v1/session" -H 'content-type: application/json' \
    -d "{\"username\": \"$1\", \"password\": \"$2\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

# user:role — one user for each role the demo has.
users="${SCHEMATHESIS_ROLES:-oficial:fund_officer cem.lima:victim_services auditora:auditor admin:admin tesorera:treasurer fiscal:prosecutor secretario:court_clerk bienes:asset_manager analista:analyst}"
declare -A tokens
for pair in $users; do
  user="${pair%%:*}"
  password="$demo_password"
  [ "$user" = admin ] && password="$admin_password"
  tokens[$pair]="$(token "$user" "$password")"
done

failed=0
for pair in $users; do
  printf '\n== schemathesis as %s (%s)\n' "${pair%%:*}" "${pair#*:}"
  # schemathesis keeps its case database in the folder it runs in: not in the clone.
  mkdir -p "$target/schemathesis/${pair%%:*}"
  if ! (cd "$target/schemathesis/${pair%%:*}" && "$venv/bin/st" run "$base/api/v1/openapi.json" \
    --header "Authorization: Bearer ${tokens[$pair]}" \
    --exclude-operation-id logout --exclude-operation-id change_password \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-10}" \
    --workers 2 --seed 20261201 --no-color \
    --report junit --report-dir .); then
    failed=1
  fi
done
if [ "$failed" -ne 0 ]; then
  echo "schemathesis found server errors or answers the document does not describe"
  exit 1
fi
echo "schemathesis: no server errors, every answer as documented"
