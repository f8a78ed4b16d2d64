// N overlay frontends on a running server's broadcast port, as the Spectra
// Frontend connects: socket.io-client with default transports (polling, then
// the upgrade to WebSocket; FRONTEND_TRANSPORTS=websocket or =polling for one
// only), `logon` with a JSON string naming the group code (again after each
// reconnection, as the Frontend does), then every `match_data` (a JSON
// string) recorded.
//
// To keep the output small every received state is reported as its index in
// the expected-states file (one state JSON text per line), or -1 if unknown.
// The script ends once "observer-done" came on stdin and every frontend's
// newest state is the state of line FINAL with nothing arriving for 500 ms,
// or after TIMEOUT ms, or when stdin closes.
//
// Usage: node e2e_frontends.js URL GROUP COUNT STATES_FILE FINAL TIMEOUT_MS
// Prints "ready" once all frontends are logged on, then at the end one JSON
// object: { frontends: [{ indexes: [..], logon: "...", transport: "websocket",
// disconnects: [reasons], reconnects: n, times: [ms] }] }: `times` are when
// each state arrived (Date.now()); with FRONTEND_RAW=1 each frontend also
// lists the raw states it received.
"use strict";
const fs = require("fs");
const { io } = require("socket.io-client");

const [url, group, countText, statesFile, finalText, timeoutText] = process.argv.slice(2);
const count = Number(countText);
const finalIndex = Number(finalText);
const states = new Map();
fs.readFileSync(statesFile, "utf8")
  .split("\n")
  .forEach((line, i) => {
    if (line !== "" && !states.has(line)) states.set(line, i);
  });

const raw = process.env.FRONTEND_RAW === "1";
const transports = process.env.FRONTEND_TRANSPORTS ? process.env.FRONTEND_TRANSPORTS.split(",") : undefined;
const frontends = [];
let loggedOn = 0;

let finished = false;
function finish() {
  if (finished) return;
  finished = true;
  const out = frontends.map((f) => ({
    indexes: f.indexes,
    logon: f.logon,
    transport: f.socket.io.engine ? f.socket.io.engine.transport.name : null,
    disconnects: f.disconnects,
    times: f.times,
    reconnects: f.reconnects,
    raw: raw ? f.raw : undefined,
  }));
  for (const f of frontends) f.socket.disconnect();
  process.stdout.write(JSON.stringify({ frontends: out }) + "\n", () => process.exit(0));
}

for (let i = 0; i < count; i++) {
  const socket = io(url, { rejectUnauthorized: false, forceNew: true, transports });
  const f = { socket, indexes: [], times: [], raw: [], logon: null, disconnects: [], reconnects: 0 };
  frontends.push(f);
  const logon = () => socket.emit("logon", JSON.stringify({ groupCode: group }));
  logon();
  socket.io.on("reconnect", () => {
    f.reconnects++;
    logon();
  });
  socket.on("disconnect", (reason) => {
    if (!finished) f.disconnects.push(reason);
  });
  socket.once("logon_success", (msg) => {
    f.logon = msg;
    loggedOn++;
    if (loggedOn === count) process.stdout.write("ready\n");
  });
  socket.on("match_data", (msg) => {
    const idx = states.has(msg) ? states.get(msg) : -1;
    f.indexes.push(idx);
    f.times.push(Date.now());
    if (raw) f.raw.push(msg);
    lastMessageAt = Date.now();
  });
}

// States can repeat (a timer toggles a field back), so reaching the final
// state's text proves nothing until the observer has sent everything: after
// "observer-done" on stdin, finish once every frontend's newest state is the
// final one and nothing has arrived for half a second.
let lastMessageAt = Date.now();
process.stdin.on("data", (chunk) => {
  if (!String(chunk).includes("observer-done")) return;
  setInterval(() => {
    const settled = Date.now() - lastMessageAt >= 500;
    if (settled && frontends.every((f) => f.indexes[f.indexes.length - 1] === finalIndex)) finish();
  }, 100);
});

setTimeout(finish, Number(timeoutText));
process.stdin.on("end", finish);
process.stdin.resume();
