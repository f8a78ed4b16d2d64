// socket.io-client 4.8 against the example server with one transport set:
//   node transports.mjs default|websocket|polling
// Checks the transport used, events both ways and acks both ways.
import { connect, check, once, deepEqual, deadline, fail, URL } from "./lib.mjs";

deadline(20000);
const mode = process.argv[2] || "default";
const opts = {
  default: {},
  websocket: { transports: ["websocket"] },
  polling: { transports: ["polling"] },
}[mode];
if (!opts) fail(`unknown mode ${mode}`);
const extra = process.env.PEER_INSECURE ? { rejectUnauthorized: false } : {};

const socket = connect({ ...opts, ...extra, auth: { token: "t-1" } });
// the engine and its first transport exist as soon as io() returns
const first = socket.io.engine.transport.name;
const upgraded = once(socket.io.engine, "upgrade", 10000);
socket.on("connect_error", (e) => fail(`connect_error: ${e.message}`));
const [authArgs] = await Promise.all([once(socket, "auth"), once(socket, "connect")]);
check(deepEqual(authArgs, [{ token: "t-1" }]), "the server saw the auth payload");
const engine = socket.io.engine;

if (mode === "default") {
  check(first === "polling", "opened on HTTP long-polling");
  const [t] = await upgraded;
  check(t.name === "websocket" && engine.transport.name === "websocket", "upgraded to websocket");
} else {
  check(first === mode && engine.transport.name === mode, `connected over ${mode}`);
}

// client → server event, server → client event
const args = [1, "2", { 3: [true] }, "ünïcødé ✓"];
socket.emit("message", ...args);
const [back] = [await once(socket, "message-back")];
check(deepEqual(back, args), "event both ways (message → message-back)");

// client → server with ack
const acked = await new Promise((resolve) => socket.emit("message-with-ack", ...args, (...a) => resolve(a)));
check(deepEqual(acked, args), "client → server ack carried the arguments back");

// server → client with ack: the server asks (an event with an ack id), the
// client answers, and the server sends the answer back as an event (no ack)
const result = new Promise((resolve) => {
  socket.on("emit-with-ack", (...a) => {
    const ack = a[a.length - 1];
    if (typeof ack === "function") ack(a[0], a[1], "client-answer");
    else resolve(a);
  });
});
socket.emit("emit-with-ack", "q1", { n: 2 });
const answer = await Promise.race([result, new Promise((r) => setTimeout(() => r(null), 5000))]);
check(deepEqual(answer, ["q1", { n: 2 }, "client-answer"]), "server → client ack reached the server");

if (mode === "polling") check(engine.transport.name === "polling", "still on polling");
socket.disconnect();
console.log(`transports ${mode}: all checks passed`);
process.exit(0);
