// Heartbeat: a raw WebSocket client that never answers the server's pings is
// dropped within pingInterval + pingTimeout; one that answers stays.
import WebSocket from "ws";
import { check, deadline, URL } from "./lib.mjs";

deadline(30000);
const wsUrl = URL.replace(/^http/, "ws") + "/socket.io/?EIO=4&transport=websocket";

function session(answerPings) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl);
    let t0 = Date.now();
    let hs = null;
    let pings = 0;
    ws.on("message", (data) => {
      const s = data.toString();
      if (s[0] === "0") {
        t0 = Date.now(); // the session exists from its handshake on
        hs = JSON.parse(s.slice(1));
        ws.send("40");
      } else if (s === "2") {
        pings += 1;
        if (answerPings) ws.send("3");
      }
    });
    ws.on("close", () => resolve({ closedAfter: Date.now() - t0, hs, pings, ws }));
    ws.on("error", reject);
    if (answerPings) {
      // report while still open, after a while
      setTimeout(() => resolve({ closedAfter: null, hs, pings, ws }), answerPings);
    }
  });
}

const [dead, alive] = await Promise.all([session(0), session(3000)]);
const limit = dead.hs.pingInterval + dead.hs.pingTimeout;
console.log(`pingInterval ${dead.hs.pingInterval} pingTimeout ${dead.hs.pingTimeout}: silent client closed after ${dead.closedAfter} ms`);
check(dead.pings >= 1, "the silent client was pinged");
check(dead.closedAfter >= limit - 100, "not dropped before the pong was overdue");
check(dead.closedAfter <= limit + 700, `dropped within pingInterval + pingTimeout (${limit} ms, +700 ms slack for a loaded machine)`);
check(alive.closedAfter === null && alive.pings >= 2, `a client answering pings stayed connected 3 s (${alive.pings} pings)`);
alive.ws.close();
process.exit(0);
