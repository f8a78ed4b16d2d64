// The example's raw Engine.IO mode (PEER_MODE=engine.io, the engine.io-protocol
// suite's server): messages are echoed on /engine.io/, text and binary, over
// WebSocket and long-polling.
import WebSocket from "ws";
import { check, deadline, URL } from "./lib.mjs";

deadline(15000);
const base = `${URL}/engine.io/?EIO=4`;

// WebSocket
const ws = new WebSocket(base.replace(/^http/, "ws") + "&transport=websocket");
ws.binaryType = "nodebuffer";
const got = [];
await new Promise((resolve, reject) => {
  ws.on("message", (d, isBinary) => {
    const s = isBinary ? d : d.toString();
    if (!isBinary && s[0] === "0") {
      ws.send("4hello");
      ws.send(Buffer.from([1, 2, 3]));
    } else {
      got.push(s);
      if (got.length === 2) resolve();
    }
  });
  ws.on("error", reject);
});
check(got[0] === "4hello", "text message echoed over WebSocket");
check(Buffer.isBuffer(got[1]) && got[1].equals(Buffer.from([1, 2, 3])), "binary message echoed over WebSocket");
ws.close();

// long-polling
const open = await (await fetch(`${base}&transport=polling`)).text();
const sid = JSON.parse(open.slice(1)).sid;
const post = await fetch(`${base}&transport=polling&sid=${sid}`, { method: "POST", body: "4one\x1e4two\x1ebAQID" });
check(post.status === 200, "polling POST accepted");
const body = await (await fetch(`${base}&transport=polling&sid=${sid}`)).text();
check(body === "4one\x1e4two\x1ebAQID", `polling echo with record separators and base64 binary (${JSON.stringify(body)})`);
process.exit(0);
