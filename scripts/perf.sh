#!/usr/bin/env bash
# The performance suite in one command: builds the release binaries, starts
# our server and the Node baseline (perf/node-baseline) on loopback ports of
# their own, runs every scenario against both, writes
# perf/results/<UTC date-time>.md (table, ratios ours/node) and .svg (p99
# latency against frontends), and stops everything it started. The edges
# scenario adds Redis, an origin and two edges (ours only; SKIP=edges).
#
# Sizes fit a 2-core machine shared by server and generator; override with
#   FANOUT=100,400,1000 MATCHES=20x10 STORM=2000 STORM_LIVE=300 IDLE=5000 \
#   EDGES=10000 DURATION=10 SKIP=ingest,storm-live scripts/perf.sh
# ONLY=ours or ONLY=node measures one server. WITH_STATIC=1 adds the static
# build of the container image (ingest and fanout). REFERENCE_DIR=<a checkout of
# the Node reference with its dependencies installed> adds it as a third
# server (on its fixed ports 5100, 5101, 5200). Extra arguments go to
# `spectra-loadgen all` (see perf/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

FANOUT=${FANOUT:-100,400,1000,2000,5000,10000,15000}
MATCHES=${MATCHES:-20x10,50x10,200x10}
STORM=${STORM:-5000}
STORM_LIVE=${STORM_LIVE:-300}
IDLE=${IDLE:-5000}
DURATION=${DURATION:-10}
SKIP=${SKIP:-}
ONLY=${ONLY:-}
# A bare broadcast server inside the generator (`spectra-loadgen sink`): the
# floor of what this machine and generator can measure, fanout/matches only.
WITH_SINK=${WITH_SINK:-1}
SINK_PORT=${SINK_PORT:-25300}
OURS_PORTS=${OURS_PORTS:-15100,15101,15200}
# Ours again with replay logs on (the default a user runs), ingest only; the
# files go to a temporary folder, removed at the end.
WITH_REPLAYS=${WITH_REPLAYS:-1}
OURS_REPLAYS_PORTS=${OURS_REPLAYS_PORTS:-15110,15111,15210}
# Ours again with TLS on all three ports (SERVER_KEY/SERVER_CERT, as
# production runs), fanout and storm rows as `ours-tls` (and, with
# REFERENCE_DIR, the reference as `reference-tls`); the report puts them
# beside the plain rows of the same run. WITH_TLS=0 leaves them out.
WITH_TLS=${WITH_TLS:-1}
OURS_TLS_PORTS=${OURS_TLS_PORTS:-15120,15121,15220}
TLS_ONLY=fanout+storm+storm-polling+storm-live
NODE_PORTS=${NODE_PORTS:-25100,25200}
# The static build the container image ships (WITH_STATIC=1: musl, profile
# `image`, built by `scripts/image.sh binary`, or the binary STATIC_BIN
# names), ingest and fanout only, in the ratios beside the others.
WITH_STATIC=${WITH_STATIC:-0}
STATIC_BIN=${STATIC_BIN:-}
OURS_STATIC_PORTS=${OURS_STATIC_PORTS:-15130,15131,15230}
# The edges scenario (ours only): Redis, an origin publishing to it and two
# edges (SPECTRA_ROLE=edge), on free loopback ports from EDGES_PORT_BASE up;
# EDGES frontends on one match, on our server alone and then on the edges.
EDGES=${EDGES:-10000}
EDGES_PORT_BASE=${EDGES_PORT_BASE:-16300}
# The whole run is bounded: the generator is killed after this many seconds.
LIMIT_SECS=${LIMIT_SECS:-3600}

stamp=$(date -u +%Y-%m-%dT%H%M)
mkdir -p perf/results
out="perf/results/$stamp.md"
logdir=$(mktemp -d /tmp/spectra-perf.XXXXXX)

IFS=, read -r o_in o_rest o_out <<<"$OURS_PORTS"
IFS=, read -r r_in r_rest r_out <<<"$OURS_REPLAYS_PORTS"
IFS=, read -r s_in s_rest s_out <<<"$OURS_STATIC_PORTS"
IFS=, read -r t_in t_rest t_out <<<"$OURS_TLS_PORTS"
IFS=, read -r n_in n_out <<<"$NODE_PORTS"

# The Node reference (ValoSpectra/Spectra-Server: a checkout with its
# dependencies installed, see perf/README.md), a third server when
# REFERENCE_DIR names it. It always listens on 5100, 5101 and 5200 (on every
# interface), so those must be free and none of this script's ports; checked
# before anything is built. scripts/perf-reference.sh starts it for its own
# rows and stops it after them (the generator's `--turn`), so that its plain
# and TLS runs never overlap. tsx compiles it at start (seconds):
# REFERENCE_WAIT_SECS bounds the wait.
REFERENCE_DIR=${REFERENCE_DIR:-}
REFERENCE_WAIT_SECS=${REFERENCE_WAIT_SECS:-120}
if [ -n "$REFERENCE_DIR" ]; then
  [ ! -d "$REFERENCE_DIR" ] || REFERENCE_DIR=$(cd "$REFERENCE_DIR" && pwd)
  ref_tsx="$REFERENCE_DIR/node_modules/.bin/tsx"
  if [ ! -f "$REFERENCE_DIR/src/index.ts" ] || [ ! -x "$ref_tsx" ]; then
    echo "perf.sh: REFERENCE_DIR=$REFERENCE_DIR is not a Spectra-Server checkout with its dependencies installed (no src/index.ts or node_modules/.bin/tsx; perf/README.md says how)" >&2
    exit 1
  fi
  for p in 5100 5101 5200; do
    if [[ ",$OURS_PORTS,$OURS_TLS_PORTS,$OURS_REPLAYS_PORTS,$OURS_STATIC_PORTS,$NODE_PORTS,$SINK_PORT," == *",$p,"* ]]; then
      echo "perf.sh: port $p is the reference's (it always uses 5100, 5101, 5200); give the other servers other ports" >&2
      exit 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "perf.sh: port $p is taken, and the reference always listens on 5100, 5101 and 5200: stop what listens there (ss -ltnp 'sport = :$p')" >&2
      exit 1
    fi
  done
fi
# TLS rows: ours (and the reference) again with SERVER_KEY/SERVER_CERT, a
# self-signed ECDSA P-256 certificate made for the run in the log folder.
if [ "$WITH_TLS" = 1 ] && ! command -v openssl >/dev/null; then
  echo "perf.sh: no openssl (apt-get install openssl) to make a certificate: the TLS rows are skipped" >&2
  WITH_TLS=0
fi
if [ "$WITH_TLS" = 1 ]; then
  tls_key="$logdir/tls-key.pem"
  tls_cert="$logdir/tls-cert.pem"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout "$tls_key" -out "$tls_cert" 2>"$logdir/openssl.err"
fi

pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$p" 2>/dev/null || true
  done
  if [ -n "$REFERENCE_DIR" ]; then
    for n in reference reference-tls; do
      PERF_LOG_DIR=$logdir scripts/perf-reference.sh down "$n" || true
    done
  fi
  rm -rf "$logdir/replays" "$logdir/reference" "$logdir/reference-tls"
}
trap cleanup EXIT INT TERM

wait_port() { # port name
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  echo "perf.sh: $2 is not listening on port $1 (logs in $logdir)" >&2
  exit 1
}

# The first `count` ports from `first` up that nobody listens on.
free_ports() { # first count
  local p=$1 found=()
  while [ ${#found[@]} -lt "$2" ]; do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      found+=("$p")
    fi
    p=$((p + 1))
  done
  echo "${found[@]}"
}

bins=(-p spectra-perf --bin spectra-loadgen)
[ "$ONLY" = node ] || bins+=(-p spectra-server --bin spectra-server)
cargo build --release "${bins[@]}"
static_bin=
if [ "$ONLY" != node ] && [ "$WITH_STATIC" = 1 ]; then
  static_bin=${STATIC_BIN:-$(scripts/image.sh binary)}
  [ -x "$static_bin" ] || { echo "perf.sh: STATIC_BIN=$static_bin is not an executable" >&2; exit 1; }
fi
if [ "$ONLY" != ours ] && [ ! -d perf/node-baseline/node_modules ]; then
  npm ci --prefix perf/node-baseline --no-audit --no-fund
fi

servers=()
if [ "$ONLY" != node ]; then
  INSECURE=true REQUIRE_AUTH_KEY=false USE_BACKEND=false SPECTRA_BIND=127.0.0.1 \
    SPECTRA_INGEST_PORT=$o_in SPECTRA_REST_PORT=$o_rest SPECTRA_BROADCAST_PORT=$o_out \
    SPECTRA_REPLAYS=false RUST_LOG=warn \
    target/release/spectra-server >"$logdir/ours.log" 2>&1 &
  pids+=($!)
  wait_port "$o_in" "spectra-server"
  wait_port "$o_out" "spectra-server"
  servers+=(--server "name=ours,ingest=http://127.0.0.1:$o_in,broadcast=http://127.0.0.1:$o_out,pid=${pids[-1]}")
fi
# Right after ours, which it is compared with.
if [ "$ONLY" != node ] && [ "$WITH_TLS" = 1 ]; then
  SERVER_KEY=$tls_key SERVER_CERT=$tls_cert REQUIRE_AUTH_KEY=false USE_BACKEND=false SPECTRA_BIND=127.0.0.1 \
    SPECTRA_INGEST_PORT=$t_in SPECTRA_REST_PORT=$t_rest SPECTRA_BROADCAST_PORT=$t_out \
    SPECTRA_REPLAYS=false RUST_LOG=warn \
    target/release/spectra-server >"$logdir/ours-tls.log" 2>&1 &
  pids+=($!)
  wait_port "$t_in" "spectra-server (TLS)"
  wait_port "$t_out" "spectra-server (TLS)"
  servers+=(--server "name=ours-tls,ingest=https://127.0.0.1:$t_in,broadcast=https://127.0.0.1:$t_out,pid=${pids[-1]},only=$TLS_ONLY")
fi
if [ "$ONLY" != ours ]; then
  HOST=127.0.0.1 INGEST_PORT=$n_in BROADCAST_PORT=$n_out \
    node perf/node-baseline/server.js >"$logdir/node.log" 2>&1 &
  pids+=($!)
  wait_port "$n_in" "the Node baseline"
  wait_port "$n_out" "the Node baseline"
  servers+=(--server "name=node,ingest=http://127.0.0.1:$n_in,broadcast=http://127.0.0.1:$n_out,pid=${pids[-1]}")
fi

# After the Node baseline, so that the ratios compare ours with it.
if [ "$ONLY" != node ] && [ "$WITH_REPLAYS" = 1 ]; then
  INSECURE=true REQUIRE_AUTH_KEY=false USE_BACKEND=false SPECTRA_BIND=127.0.0.1 \
    SPECTRA_INGEST_PORT=$r_in SPECTRA_REST_PORT=$r_rest SPECTRA_BROADCAST_PORT=$r_out \
    SPECTRA_REPLAYS=true SPECTRA_REPLAY_DIR="$logdir/replays" RUST_LOG=warn \
    target/release/spectra-server >"$logdir/ours-replays.log" 2>&1 &
  pids+=($!)
  wait_port "$r_in" "spectra-server (replays on)"
  wait_port "$r_out" "spectra-server (replays on)"
  servers+=(--server "name=ours-replays,ingest=http://127.0.0.1:$r_in,broadcast=http://127.0.0.1:$r_out,pid=${pids[-1]},only=ingest")
fi
# The static build: the same settings as ours, measured on ingest and fanout
# and compared with ours in the ratios.
if [ -n "$static_bin" ]; then
  INSECURE=true REQUIRE_AUTH_KEY=false USE_BACKEND=false SPECTRA_BIND=127.0.0.1 \
    SPECTRA_INGEST_PORT=$s_in SPECTRA_REST_PORT=$s_rest SPECTRA_BROADCAST_PORT=$s_out \
    SPECTRA_REPLAYS=false RUST_LOG=warn \
    "$static_bin" >"$logdir/ours-static.log" 2>&1 &
  pids+=($!)
  wait_port "$s_in" "spectra-server (static)"
  wait_port "$s_out" "spectra-server (static)"
  servers+=(--server "name=ours-static,ingest=http://127.0.0.1:$s_in,broadcast=http://127.0.0.1:$s_out,pid=${pids[-1]},only=ingest+fanout,ratios=yes")
fi
# The reference (REFERENCE_DIR, checked above), after the Node baseline: the
# ratios compare ours with both. The generator has scripts/perf-reference.sh
# start it for its rows (`--turn`; no pid here: the script prints it) and
# stop it after them, then the same with TLS.
turn=()
if [ -n "$REFERENCE_DIR" ]; then
  export REFERENCE_DIR REFERENCE_WAIT_SECS PERF_LOG_DIR=$logdir
  turn=(--turn scripts/perf-reference.sh)
  servers+=(--server "name=reference,ingest=http://127.0.0.1:5100,broadcast=http://127.0.0.1:5200")
  if [ "$WITH_TLS" = 1 ]; then
    export PERF_TLS_KEY=$tls_key PERF_TLS_CERT=$tls_cert
    servers+=(--server "name=reference-tls,ingest=https://127.0.0.1:5100,broadcast=https://127.0.0.1:5200,only=$TLS_ONLY")
  fi
fi
if [ "$WITH_SINK" = 1 ]; then
  target/release/spectra-loadgen sink --listen "127.0.0.1:$SINK_PORT" >"$logdir/sink.log" 2>&1 &
  pids+=($!)
  wait_port "$SINK_PORT" "the sink"
  servers+=(--server "name=sink,ingest=http://127.0.0.1:$SINK_PORT,broadcast=http://127.0.0.1:$SINK_PORT,pid=${pids[-1]},only=fanout+matches")
fi

# Last, so that the single node it is compared with is our server (first).
if [ "$ONLY" != node ] && [[ ",$SKIP," != *,edges,* ]]; then
  if ! command -v redis-server >/dev/null; then
    echo "perf.sh: no redis-server (apt-get install redis-server): the edges scenario is skipped" >&2
  else
    read -r x_redis x_in x_rest x_out e1_rest e1_out e2_rest e2_out <<<"$(free_ports "$EDGES_PORT_BASE" 8)"
    redis-server --port "$x_redis" --save '' --appendonly no --bind 127.0.0.1 --daemonize no \
      >"$logdir/redis.log" 2>&1 &
    pids+=($!)
    wait_port "$x_redis" "redis-server"
    redis_url="redis://127.0.0.1:$x_redis"
    INSECURE=true REQUIRE_AUTH_KEY=false USE_BACKEND=false SPECTRA_BIND=127.0.0.1 \
      SPECTRA_INGEST_PORT=$x_in SPECTRA_REST_PORT=$x_rest SPECTRA_BROADCAST_PORT=$x_out \
      SPECTRA_REPLAYS=false SPECTRA_REDIS_URL=$redis_url RUST_LOG=warn \
      target/release/spectra-server >"$logdir/origin.log" 2>&1 &
    pids+=($!)
    origin=$!
    wait_port "$x_in" "the origin"
    edge_urls=()
    edge_pids=()
    for e in "1 $e1_rest $e1_out" "2 $e2_rest $e2_out"; do
      read -r k e_rest e_out <<<"$e"
      INSECURE=true REQUIRE_AUTH_KEY=false USE_BACKEND=false SPECTRA_BIND=127.0.0.1 \
        SPECTRA_ROLE=edge SPECTRA_REST_PORT=$e_rest SPECTRA_BROADCAST_PORT=$e_out \
        SPECTRA_REPLAYS=false SPECTRA_REDIS_URL=$redis_url RUST_LOG=warn \
        target/release/spectra-server >"$logdir/edge$k.log" 2>&1 &
      pids+=($!)
      edge_pids+=($!)
      edge_urls+=("http://127.0.0.1:$e_out")
      wait_port "$e_out" "edge $k"
    done
    servers+=(--server "name=edges,ingest=http://127.0.0.1:$x_in,broadcast=${edge_urls[0]}+${edge_urls[1]},pid=${edge_pids[0]}+${edge_pids[1]},origin-pid=$origin,redis=$redis_url,only=edges")
  fi
fi

cmd="FANOUT=$FANOUT MATCHES=$MATCHES STORM=$STORM STORM_LIVE=$STORM_LIVE IDLE=$IDLE EDGES=$EDGES DURATION=$DURATION SKIP=$SKIP ONLY=$ONLY WITH_SINK=$WITH_SINK WITH_REPLAYS=$WITH_REPLAYS WITH_TLS=$WITH_TLS WITH_STATIC=$WITH_STATIC${STATIC_BIN:+ STATIC_BIN=$STATIC_BIN} scripts/perf.sh $*"
if [ -n "$REFERENCE_DIR" ]; then
  cmd="REFERENCE_DIR=<Spectra-Server $(git -C "$REFERENCE_DIR" describe --always --dirty 2>/dev/null || echo checkout)> $cmd"
fi
timeout --kill-after=10 "$LIMIT_SECS" target/release/spectra-loadgen all "${servers[@]}" \
  --fanout "$FANOUT" --matches "$MATCHES" --storm "$STORM" --storm-live "$STORM_LIVE" --idle "$IDLE" --edges "$EDGES" \
  --duration "$DURATION" --skip "$SKIP" --out "$out" --command "$cmd" \
  --insecure-tls "${turn[@]}" "$@"
# What the servers logged (e.g. events dropped under overload) goes with the results.
{
  echo
  echo "## Server logs"
  for f in "$logdir"/*.log; do
    [ -f "$f" ] || continue
    echo
    echo "$(basename "$f" .log): $(grep -c . "$f") lines, $(grep -ci 'error\|warn' "$f") errors/warnings; last lines:"
    echo
    echo '```'
    tail -n 5 "$f" | sed 's/\x1b\[[0-9;]*m//g' | cut -c1-300
    echo '```'
  done
} >>"$out"
echo "results: $out (server logs: $logdir)"
