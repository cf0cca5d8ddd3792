#!/usr/bin/env bash
# Fuzzes the REST API with schemathesis against the OpenAPI schema it serves, once as the
# manager and once as a rep, on a fresh data directory with the demo company loaded.
# Fails on any server error or any response that does not match the documented schema.
#
# Environment:
#   DATABASE_URL         PostgreSQL server to use; a throwaway database is created on it and
#                        dropped afterwards (default: SQLite in the fresh data directory)
#   FUZZ_MAX_EXAMPLES    generated cases per operation and phase (default 15)
#   FUZZ_WORKERS         concurrent schemathesis workers (default 2)
#   FUZZ_SEED            seed for a reproducible run (default: random)
#   FUZZ_USERS           personas to fuzz as (default "manager rep1")
set -euo pipefail
cd "$(dirname "$0")/.."

max_examples="${FUZZ_MAX_EXAMPLES:-15}"
workers="${FUZZ_WORKERS:-2}"
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
if guanxi manage help demo >/dev/null 2>&1; then
  guanxi demo --size 200 --no-serve >"$GUANXI_DATA_DIR/demo.log" 2>&1 || {
    cat "$GUANXI_DATA_DIR/demo.log"
    echo "guanxi demo failed"
    exit 1
  }
else
  # Before the demo command exists: the same users (password "demo") and a little data.
  echo "(no demo command: seeding a minimal company)"
  guanxi manage shell -c "$(cat scripts/_fuzz_seed.py)"
fi

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

# The personas run at the same time: each run is mostly the fuzzer's own work, and two of
# them keep both the fuzzer and the server busy.
status=0
pids=()
for user in $users; do
  token="$(token_for "$user")"
  schemathesis --no-color run "$base/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,response_schema_conformance \
    --max-examples "$max_examples" \
    --workers "$workers" \
    --suppress-health-check all \
    "${seed_args[@]}" >"$GUANXI_DATA_DIR/fuzz-$user.log" 2>&1 &
  pids+=($!)
done
i=0
for user in $users; do
  if wait "${pids[$i]}"; then result="passed"; else result="FAILED"; status=1; fi
  echo "== schemathesis as $user ($max_examples examples per operation): $result"
  cat "$GUANXI_DATA_DIR/fuzz-$user.log"
  i=$((i + 1))
done

if grep -q "Internal Server Error" "$log"; then
  echo "== server errors in the log:"
  grep -B2 -A30 "Traceback" "$log" | head -200
  status=1
fi
exit $status
