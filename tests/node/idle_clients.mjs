// Opens CLIENTS raw WebSocket Socket.IO clients (EIO=4, namespace "/"),
// answers pings, prints "ready N" once all are connected, then holds them
// until HOLD_MS passed. With DEFLATE=1 the clients negotiate
// permessage-deflate and compress what they send, as browsers do.
// Used by scripts/idle_memory.sh to measure the server's memory per idle
// connection.
import WebSocket from "ws";
import { URL } from "./lib.mjs";

const N = Number(process.env.CLIENTS || 2000);
const HOLD_MS = Number(process.env.HOLD_MS || 5000);
const deflate = process.env.DEFLATE === "1";
const wsUrl = URL.replace(/^http/, "ws") + "/socket.io/?EIO=4&transport=websocket";
let ready = 0;
const sockets = [];
function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: deflate });
    ws.on("message", (d) => {
      const s = d.toString();
      if (s[0] === "0") ws.send("40");
      else if (s.startsWith("40")) {
        ws.send('42["join","idle"]');
        resolve(ws);
      } else if (s === "2") ws.send("3");
    });
    ws.on("error", reject);
  });
}
// open in batches to keep the accept queue short
for (let i = 0; i < N; i += 100) {
  const batch = [];
  for (let j = i; j < Math.min(N, i + 100); j++) batch.push(open());
  sockets.push(...(await Promise.all(batch)));
  ready = sockets.length;
}
console.log(`ready ${ready}`);
setTimeout(() => {
  for (const ws of sockets) ws.terminate();
  process.exit(0);
}, HOLD_MS);
