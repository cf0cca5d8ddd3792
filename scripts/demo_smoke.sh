#!/usr/bin/env bash
# Proves the README's first command: `guanxi demo` loads a company, serves pages, prints logins.
set -euo pipefail
cd "$(dirname "$0")/.."
export GUANXI_DATA_DIR
GUANXI_DATA_DIR="$(mktemp -d)"
port=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log="$GUANXI_DATA_DIR/demo.log"
guanxi demo --size 150 --port "$port" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 180); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/login/" 2>/dev/null && break
  kill -0 $pid 2>/dev/null || { cat "$log"; echo "guanxi demo exited early"; exit 1; }
  sleep 1
done
curl -fsS "http://127.0.0.1:$port/login/" | grep -q 'name="username"'
grep -q "http://127.0.0.1:$port" "$log" || { cat "$log"; echo "demo did not print its URL"; exit 1; }
grep -q "manager" "$log" || { cat "$log"; echo "demo did not print the logins"; exit 1; }
echo "guanxi demo serves the login page on port $port"
