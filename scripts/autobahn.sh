#!/usr/bin/env bash
# Runs the Autobahn WebSocket conformance cases (PyPI `kosoku`, which drives
# Autobahn's own case files, permessage-deflate cases 12.* and 13.* included)
# against the raw WebSocket echo server `examples/ws_echo`, then prints how
# many cases got each verdict and lists the cases that failed.
#
#   scripts/autobahn.sh              # the whole suite
#   scripts/autobahn.sh '1.*' 12.1.1 # only these cases (ids or globs)
#
# The virtualenv and the reports live under target/autobahn/ (ignored).
# Exit status: 0 when every case passed: its behavior OK, NON-STRICT or
# INFORMATIONAL and its closing behavior OK or INFORMATIONAL. Any other
# verdict fails the run, whatever its spelling (kosoku writes Autobahn's
# labels: FAILED, ERROR, UNIMPLEMENTED; WRONG CODE, FAILED BY CLIENT,
# UNCLEAN), and so does a run without results.
set -euo pipefail
cd "$(dirname "$0")/.."

work=target/autobahn
addr=${AUTOBAHN_ADDR:-127.0.0.1:9001}
mkdir -p "$work"

if [ ! -x "$work/venv/bin/kosoku" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install --quiet --disable-pip-version-check kosoku==0.1.0
fi

host=${addr%:*}
port=${addr##*:}
listening() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }
# Another server on the port would answer the probe below in ws_echo's place.
if listening; then
  echo "autobahn.sh: $addr is already in use (set AUTOBAHN_ADDR)" >&2
  exit 1
fi

cargo build --release --example ws_echo
WS_ECHO_ADDR=$addr target/release/examples/ws_echo >"$work/ws_echo.log" 2>&1 &
echo_pid=$!
trap 'kill "$echo_pid" 2>/dev/null || true' EXIT
# The client starts once the echo server accepts connections (10 s at most).
for i in $(seq 100); do
  if ! kill -0 "$echo_pid" 2>/dev/null; then
    echo "autobahn.sh: ws_echo exited:" >&2
    cat "$work/ws_echo.log" >&2
    exit 1
  fi
  listening && break
  if [ "$i" = 100 ]; then
    echo "autobahn.sh: ws_echo is not listening on $addr after 10 s" >&2
    exit 1
  fi
  sleep 0.1
done

filters=()
for case in "$@"; do filters+=(-i "$case"); done
rm -rf "$work/reports"
# kosoku exits non-zero when a case fails; the summary below decides.
"$work/venv/bin/kosoku" "ws://$addr" ${filters[@]+"${filters[@]}"} -p 2 -o "$work/reports" || true

python3 - "$work/reports/index.json" <<'PY'
import collections, json, sys
results = next(iter(json.load(open(sys.argv[1])).values()), {})
PASS = {"OK", "NON-STRICT", "INFORMATIONAL"}
PASS_CLOSE = {"OK", "INFORMATIONAL"}

def counts(key):
    c = collections.Counter(r[key] for r in results.values())
    return ", ".join(f"{k} {n}" for k, n in sorted(c.items())) or "none"

def order(k):
    return [int(p) if p.isdigit() else p for p in k.split(".")]

print(f"Autobahn: {len(results)} cases: {counts('behavior')}; closing: {counts('behaviorClose')}")
failed = sorted((k for k, r in results.items()
                 if r["behavior"] not in PASS or r["behaviorClose"] not in PASS_CLOSE), key=order)
for k in failed:
    r = results[k]
    print(f"  {k}: {r['behavior']} / close {r['behaviorClose']}"
          f" (remote close code {r.get('remoteCloseCode')}; {r.get('reportfile')})")
if not results:
    print("no results: kosoku ran no case")
sys.exit(1 if failed or not results else 0)
PY
