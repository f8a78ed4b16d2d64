// Replays a recorded conformance game (NAME.input.jsonl[.gz]) against a running
// server's ingest port, as the observer and auxiliary apps do: one
// socket.io-client connection per socket label, default transports,
// rejectUnauthorized: false, payloads sent as JSON strings.
//
// Time is compressed: the server runs with SPECTRA_TEST_CLOCK=true and, before
// each input line, the line's own socket sends `__test_clock` with the
// recorded time, acknowledged once the match thread has applied it. That
// acknowledgement is also the barrier that keeps the order of lines across
// sockets.
//
// After the last line the clock moves on ten minutes, as the recordings do,
// so timers after the last input fire too.
//
// With PAUSE_AT=N it stops before input line N (once the clock is at that
// line's time, so everything sent before it that a tick would broadcast was
// broadcast), prints "paused", and goes on once "continue" comes on stdin; with RELOGON=1 it then connects again and
// logs each observer on with the group secret, as the Spectra Client does
// after the server restarted (the ack is among the acks).
//
// Usage: node e2e_observer.js URL INPUT
// Prints one JSON object: { acks: [{socket, event, data}], sent: n }.
"use strict";
const fs = require("fs");
const zlib = require("zlib");
const { io } = require("socket.io-client");

const CLOCK_BASE = 1750000000000;
const [url, input] = process.argv.slice(2, 4);
const AFTER_LAST_MS = 10 * 60 * 1000;

function readLines(path) {
  let buf = fs.readFileSync(path);
  if (path.endsWith(".gz")) buf = zlib.gunzipSync(buf);
  return buf
    .toString("utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));
}

const sockets = new Map(); // label -> { socket, serverClosed }
const logons = new Map(); // label -> the obs_logon text it sent
const acks = [];
let secret = null;

function open(label) {
  return new Promise((resolve, reject) => {
    const socket = io(url, { rejectUnauthorized: false, forceNew: true, reconnection: false });
    const entry = { socket, serverClosed: false };
    sockets.set(label, entry);
    for (const event of ["obs_logon_ack", "aux_logon_ack"]) {
      socket.on(event, (msg) => {
        const data = JSON.parse(msg);
        if (event === "obs_logon_ack" && data.value === true && secret === null && data.reason !== "reconnected") {
          secret = data.reason;
        }
        acks.push({ socket: label, event, data });
      });
    }
    socket.on("disconnect", (reason) => {
      if (reason === "io server disconnect") {
        entry.serverClosed = true;
        acks.push({ socket: label, event: "disconnect", data: "server" });
      }
    });
    socket.once("connect", () => resolve(entry));
    socket.once("connect_error", (e) => reject(new Error(`${label}: ${e.message}`)));
  });
}

// A server-side disconnect also comes after everything the socket sent was
// processed, so it ends the wait as well as the acknowledgement does.
async function setClock(entry, t) {
  try {
    await entry.socket.timeout(10000).emitWithAck("__test_clock", CLOCK_BASE + t);
    return true;
  } catch (e) {
    if (entry.socket.connected) throw e;
    return false;
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// Connects again (the server may still be starting) and logs every
// observer on with the secret it was given.
async function relogon() {
  for (const [label, text] of logons) {
    const old = sockets.get(label);
    if (!old || old.serverClosed) continue;
    old.socket.disconnect();
    let entry = null;
    for (let i = 0; i < 40 && entry === null; i++) {
      entry = await open(label).catch(() => null);
      if (entry === null) await sleep(250);
    }
    if (entry === null) throw new Error(`${label}: cannot connect again`);
    const data = JSON.parse(text);
    data.groupSecret = secret;
    const answered = new Promise((r) => entry.socket.once("obs_logon_ack", r));
    entry.socket.emit("obs_logon", JSON.stringify(data));
    await answered;
  }
}

function waitForContinue() {
  return new Promise((resolve) => {
    process.stdin.on("data", (chunk) => {
      if (String(chunk).includes("continue")) resolve();
    });
    process.stdin.resume();
  });
}

async function main() {
  const lines = readLines(input);
  const pauseAt = process.env.PAUSE_AT === undefined ? -1 : Number(process.env.PAUSE_AT);
  let previous = null;
  let sent = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    let entry = sockets.get(line.socket);
    if (!entry) entry = await open(line.socket);
    // Barrier: everything the previous socket sent has been processed.
    if (previous && previous !== entry && !previous.serverClosed && previous.socket.connected) {
      await setClock(previous, line.t);
    }
    if (entry.serverClosed || !entry.socket.connected) continue;
    await setClock(entry, line.t);
    if (i === pauseAt) {
      const resumed = waitForContinue();
      process.stdout.write("paused\n");
      await resumed;
      if (process.env.RELOGON === "1") await relogon();
      entry = sockets.get(line.socket);
    }
    if (line.event === "disconnect") {
      entry.socket.disconnect();
      entry.serverClosed = true;
    } else {
      let text = line.raw !== undefined ? line.raw : JSON.stringify(line.data);
      if (secret !== null) text = text.split("$GROUP_SECRET").join(secret);
      if (line.event === "obs_logon") logons.set(line.socket, text);
      entry.socket.emit(line.event, text);
      sent++;
    }
    previous = entry;
  }
  // Timers after the last input, then let the last acks and server-side
  // disconnects arrive.
  const last = lines.length ? lines[lines.length - 1].t : 0;
  let clock = [...sockets.values()].find((e) => !e.serverClosed && e.socket.connected);
  if (!clock || !(await setClock(clock, last + AFTER_LAST_MS))) {
    await setClock(await open("clock"), last + AFTER_LAST_MS);
  }
  await sleep(300);
  for (const { socket } of sockets.values()) socket.disconnect();
  process.stdout.write(JSON.stringify({ acks, sent }) + "\n");
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e && e.stack ? e.stack : String(e));
    process.exit(1);
  },
);
