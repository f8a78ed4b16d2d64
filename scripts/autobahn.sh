#!/usr/bin/env bash
# Runs the Autobahn WebSocket conformance cases (PyPI `kosoku`, which drives
# Autobahn's own case files, permessage-deflate cases 12.* and 13.* included)
# against the raw WebSocket echo server `examples/ws_echo.rs`, then prints
# the OK / NON-STRICT / INFORMATIONAL / UNIMPLEMENTED / FAILED counts.
#
#   scripts/autobahn.sh              # the whole suite
#   scripts/autobahn.sh '1.*' 12.1.1 # only these cases (ids or globs)
#
# The virtualenv and the reports live under target/autobahn/ (ignored).
# Exit status: 0 when no case FAILED.
set -euo pipefail
cd "$(dirname "$0")/.."

work=target/autobahn
addr=${AUTOBAHN_ADDR:-127.0.0.1:9001}
mkdir -p "$work"

if [ ! -x "$work/venv/bin/kosoku" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install --quiet --disable-pip-version-check kosoku==0.1.0
fi

cargo build --release --example ws_echo
WS_ECHO_ADDR=$addr target/release/examples/ws_echo >"$work/ws_echo.log" 2>&1 &
echo_pid=$!
trap 'kill "$echo_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  grep -q listening "$work/ws_echo.log" 2>/dev/null && break
  sleep 0.1
done

filters=()
for case in "$@"; do filters+=(-i "$case"); done
rm -rf "$work/reports"
# kosoku exits non-zero when a case fails; the summary below decides.
"$work/venv/bin/kosoku" "ws://$addr" ${filters[@]+"${filters[@]}"} -p 2 -o "$work/reports" || true

python3 - "$work/reports/index.json" <<'PY'
import collections, json, sys
results = next(iter(json.load(open(sys.argv[1])).values()))
counts = collections.Counter(r["behavior"] for r in results.values())
print("Autobahn:", len(results), "cases:",
      ", ".join(f"{k} {counts.get(k, 0)}" for k in
                ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"]))
bad = sorted((k for k, r in results.items() if r["behavior"] not in ("OK", "INFORMATIONAL")),
             key=lambda k: [int(p) for p in k.split(".")])
for k in bad:
    r = results[k]
    print(f"  {k}: {r['behavior']} / close {r['behaviorClose']}: {r.get('result')}")
sys.exit(1 if counts.get("FAILED", 0) or any(r["behaviorClose"] in ("FAILED", "UNCLEAN", "WRONG_CODE") for r in results.values()) else 0)
PY
