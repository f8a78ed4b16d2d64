#!/usr/bin/env bash
# Memory per idle Socket.IO WebSocket connection of the reactor: starts the
# example server (release), measures its RSS, connects CLIENTS idle clients
# (tests/node/idle_clients.mjs; DEFLATE=1 makes them deflate like browsers),
# measures again, and prints the difference per connection.
#   scripts/idle_memory.sh [CLIENTS]      (default 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-5000}
cargo build --release --example protocol_peer -q
PEER_ADDR=127.0.0.1:0 PEER_DEFLATE=1 PING_INTERVAL=25000 PING_TIMEOUT=20000 \
  target/release/examples/protocol_peer > /tmp/idle_memory.$$ 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do grep -q listening /tmp/idle_memory.$$ && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' /tmp/idle_memory.$$)
rss() { awk '/^VmRSS/ {print $2}' /proc/$server/status; }
before=$(rss)
fifo=$(mktemp -u); mkfifo "$fifo"
( cd tests/node && PEER_URL=$url CLIENTS=$clients HOLD_MS=4000 DEFLATE=${DEFLATE:-0} node idle_clients.mjs > "$fifo" ) &
client=$!
read -r line < "$fifo"
sleep 1
after=$(rss)
wait $client
rm -f "$fifo"
echo "$line clients (client deflate ${DEFLATE:-0}): server RSS ${before} kB -> ${after} kB," \
  "$(( (after - before) * 1024 / clients )) bytes per idle connection"
