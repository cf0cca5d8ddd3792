#!/usr/bin/env bash
# Fuzzes the REST API with schemathesis against the OpenAPI schema it serves, as the manager
# and as a rep (every operation for each), on a fresh data directory with the demo company loaded.
# Fails on any server error or any response that does not match the documented schema.
#
# Environment:
#   DATABASE_URL         PostgreSQL server to use; a throwaway database is created on it and
#                        dropped afterwards (default: SQLite in the fresh data directory)
#   FUZZ_MAX_EXAMPLES    generated cases per operation and phase (default 15)
#   FUZZ_WORKERS         schemathesis worker threads per run (default 1: on Python 3.11,
#                        threads parsing code at once can fail inside CPython, gh-106905)
#   FUZZ_SEED            seed for a reproducible run (default: random)
#   FUZZ_USERS           personas to fuzz as (default "manager rep1")
set -euo pipefail
cd "$(dirname "$0")/.."

max_examples="${FUZZ_MAX_EXAMPLES:-15}"
workers="${FUZZ_WORKERS:-1}"
users="${FUZZ_USERS:-manager rep1}"

export GUANXI_DATA_DIR
GUANXI_DATA_DIR="$(mktemp -d)"
log="$GUANXI_DATA_DIR/server.log"
server_pid=""
fuzz_db_url=""

cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$fuzz_db_url" ]; then
    python scripts/_fuzz_db.py drop "$fuzz_db_url" || true
  fi
  rm -rf "$GUANXI_DATA_DIR"
}
trap cleanup EXIT

if [ -n "${DATABASE_URL:-}" ]; then
  fuzz_db_url="$(python scripts/_fuzz_db.py create "$DATABASE_URL")"
  export DATABASE_URL="$fuzz_db_url"
fi

echo "== migrating and loading the demo company (data in $GUANXI_DATA_DIR)"
guanxi manage migrate -v0
guanxi demo --size 200 --no-serve >"$GUANXI_DATA_DIR/demo.log" 2>&1 || {
  cat "$GUANXI_DATA_DIR/demo.log"
  echo "guanxi demo failed"
  exit 1
}

port=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
guanxi manage runserver --noreload "127.0.0.1:$port" >"$log" 2>&1 &
server_pid=$!
for _ in $(seq 60); do
  curl -fsS -o /dev/null "$base/api/v1/openapi.json" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$log"; echo "the server exited early"; exit 1; }
  sleep 0.5
done

token_for() {
  curl -fsS -X POST -H "Content-Type: application/json" \
    -d "{\"username\": \"$1\", \"password\": \"demo\"}" "$base/api/v1/auth/token" |
    python -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

seed_args=()
if [ -n "${FUZZ_SEED:-}" ]; then
  seed_args=(--seed "$FUZZ_SEED")
fi

# Revoking its own token or changing its own password would leave the rest of a run answering
# 401: those two operations are left to tests/api/test_auth_tokens.py.
# Each persona's run is split in two halves of the API, and all four runs go at the same time
# as separate processes: a run mostly waits for the server, one request at a time.
groups=("customers|auth" "activities|sales|privacy")
status=0
runs=()
pids=()
for user in $users; do
  token="$(token_for "$user")"
  for group in "${groups[@]}"; do
    name="$user-${group%%|*}"
    schemathesis --no-color run "$base/api/v1/openapi.json" \
      --include-tag-regex "^($group)\$" \
      --exclude-operation-id guanxi_accounts_api_delete_token \
      --exclude-operation-id guanxi_accounts_api_change_password \
      --header "Authorization: Bearer $token" \
      --checks not_a_server_error,response_schema_conformance \
      --max-examples "$max_examples" \
      --workers "$workers" \
      --suppress-health-check all \
      "${seed_args[@]}" >"$GUANXI_DATA_DIR/fuzz-$name.log" 2>&1 &
    runs+=("$name")
    pids+=($!)
  done
done
for i in "${!runs[@]}"; do
  run_log="$GUANXI_DATA_DIR/fuzz-${runs[$i]}.log"
  if wait "${pids[$i]}"; then
    # schemathesis closes like pytest ("2 warnings in 140s"); a passing run shows only its count
    echo "== schemathesis as ${runs[$i]} ($max_examples examples per operation): passed," \
      "$(grep -A1 '^Test cases:' "$run_log" | tail -n 1 | sed 's/^ *//')"
  else
    status=1
    echo "== schemathesis as ${runs[$i]} ($max_examples examples per operation): FAILED"
    cat "$run_log"
  fi
done

if grep -q "Internal Server Error" "$log"; then
  echo "== server errors in the log:"
  grep -B2 -A30 "Traceback" "$log" | head -200
  status=1
fi
exit $status
