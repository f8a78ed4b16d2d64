// 500 concurrent socket.io-client connections (default transports) join one
// room; one broadcast reaches every one of them.
import { connect, check, once, deadline } from "./lib.mjs";

deadline(60000);
const N = Number(process.env.CLIENTS || 500);
const sockets = [];
const joined = [];
for (let i = 0; i < N; i++) {
  const s = connect({});
  sockets.push(s);
  joined.push(
    once(s, "connect", 30000).then(
      () => new Promise((resolve) => s.emit("join", "room-1", (ok) => resolve(ok))),
    ),
  );
}
const acks = await Promise.all(joined);
check(acks.every((a) => a === "joined"), `${N} clients connected and joined the room`);

const payload = { text: "x".repeat(3000), n: 42 };
const received = sockets.map((s) => once(s, "broadcast", 20000));
sockets[0].emit("broadcast", "room-1", payload);
const got = await Promise.all(received);
const same = got.filter(([p]) => JSON.stringify(p) === JSON.stringify(payload)).length;
check(same === N, `all ${N} clients received the broadcast intact (${same})`);
for (const s of sockets) s.disconnect();
process.exit(0);
