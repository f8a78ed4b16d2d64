#!/usr/bin/env bash
# Starts and stops the Node reference (ValoSpectra/Spectra-Server) for
# scripts/perf.sh, which hands this script to `spectra-loadgen all --turn`:
# the generator runs `perf-reference.sh up NAME` before measuring the
# server NAME and `perf-reference.sh down NAME` after. The reference always
# listens on 5100, 5101 and 5200, so its plain run (`reference`) and its
# TLS run (`reference-tls`) cannot overlap: each is started only for its
# own rows. Other names are not this script's: nothing is done.
#
#   up NAME:   starts it (`tsx src/index.ts`) from a folder of its own in
#              PERF_LOG_DIR (its replay logs go there, its checkout's .env
#              is not read), plain (INSECURE=true) for `reference`, with
#              SERVER_KEY/SERVER_CERT = PERF_TLS_KEY/PERF_TLS_CERT for
#              `reference-tls`; waits until 5100 and 5200 accept (at most
#              REFERENCE_WAIT_SECS: tsx compiles it at start) and prints the
#              pid of the server process (tsx's child).
#   down NAME: stops it and waits until its ports are free.
#
# Environment (perf.sh sets it): REFERENCE_DIR (a checkout with its
# dependencies installed), PERF_LOG_DIR, REFERENCE_WAIT_SECS, and for TLS
# PERF_TLS_KEY and PERF_TLS_CERT.
set -euo pipefail

action=${1:-}
name=${2:-}
case "$name" in
  reference) tls=0 ;;
  reference-tls) tls=1 ;;
  *) exit 0 ;;
esac
: "${REFERENCE_DIR:?}" "${PERF_LOG_DIR:?}"
pids_file="$PERF_LOG_DIR/$name.pids"

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop() {
  [ -f "$pids_file" ] || return 0
  read -r -a pids <"$pids_file"
  kill "${pids[@]}" 2>/dev/null || true
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -f "$pids_file"
  for p in 5100 5101 5200; do
    for _ in $(seq 1 50); do
      listening "$p" || break
      sleep 0.1
    done
  done
}

case "$action" in
  down)
    stop
    ;;
  up)
    stop
    tsx="$REFERENCE_DIR/node_modules/.bin/tsx"
    dir="$PERF_LOG_DIR/$name"
    mkdir -p "$dir"
    env=(REQUIRE_AUTH_KEY=false USE_BACKEND=false)
    if [ "$tls" = 1 ]; then
      env+=(INSECURE=false "SERVER_KEY=${PERF_TLS_KEY:?}" "SERVER_CERT=${PERF_TLS_CERT:?}")
    else
      env+=(INSECURE=true)
    fi
    (cd "$dir" && exec env "${env[@]}" "$tsx" --tsconfig "$REFERENCE_DIR/tsconfig.json" \
      "$REFERENCE_DIR/src/index.ts") >"$PERF_LOG_DIR/$name.log" 2>&1 </dev/null &
    tsx_pid=$!
    echo "$tsx_pid" >"$pids_file"
    up=0
    for _ in $(seq 1 $((${REFERENCE_WAIT_SECS:-120} * 5))); do
      if ! kill -0 "$tsx_pid" 2>/dev/null; then
        echo "perf-reference.sh: $name stopped at start; its log ($PERF_LOG_DIR/$name.log) ends:" >&2
        tail -n 20 "$PERF_LOG_DIR/$name.log" >&2
        exit 1
      fi
      if listening 5100 && listening 5200; then
        up=1
        break
      fi
      sleep 0.2
    done
    if [ "$up" != 1 ]; then
      echo "perf-reference.sh: $name is not listening on 5100 and 5200 after ${REFERENCE_WAIT_SECS:-120} s (REFERENCE_WAIT_SECS; log in $PERF_LOG_DIR/$name.log)" >&2
      stop
      exit 1
    fi
    server_pid=$(pgrep -n -P "$tsx_pid" || echo "$tsx_pid")
    echo "$tsx_pid $server_pid" >"$pids_file"
    echo "$server_pid"
    ;;
  *)
    echo "usage: perf-reference.sh up|down reference|reference-tls" >&2
    exit 2
    ;;
esac
