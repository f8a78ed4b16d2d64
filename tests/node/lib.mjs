// Helpers shared by the real-client scripts. Each script reads the server's
// base URL from the environment (PEER_URL), exits 0 when every check passed,
// and prints what it checked.
import { io } from "socket.io-client";
import net from "node:net";

export const URL = process.env.PEER_URL || "http://127.0.0.1:3000";

export function fail(msg) {
  console.error("FAIL: " + msg);
  process.exit(1);
}

export function check(cond, msg) {
  if (!cond) fail(msg);
  console.log("ok: " + msg);
}

export function deepEqual(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Resolves with the event's arguments, rejects after `ms`. */
export function once(emitter, event, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for ${event}`)), ms);
    emitter.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

export function connect(opts = {}, url = URL) {
  return io(url, { forceNew: true, reconnection: false, ...opts });
}

/** Fails the script if it has not finished after `ms`. */
export function deadline(ms) {
  const t = setTimeout(() => fail(`script did not finish within ${ms} ms`), ms);
  t.unref();
}

/**
 * A TCP proxy in front of the server that parses the WebSocket frames
 * crossing it and counts, per direction, frames with RSV1 set
 * (permessage-deflate compressed) and without.
 */
export function startSniffer(targetUrl = URL) {
  const target = new globalThis.URL(targetUrl);
  const stats = {
    toServer: { frames: 0, compressed: 0 },
    toClient: { frames: 0, compressed: 0 },
    extensions: [],
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    const up = frameParser(stats.toServer, null);
    const down = frameParser(stats.toClient, (head) => {
      const m = /sec-websocket-extensions:\s*([^\r\n]*)/i.exec(head);
      if (m) stats.extensions.push(m[1]);
      return head.startsWith("HTTP/1.1 101");
    });
    let upgraded = false;
    client.on("data", (d) => {
      if (upgraded) up.feed(d);
      upstream.write(d);
    });
    upstream.on("data", (d) => {
      down.feed(d);
      upgraded = down.isWebSocket();
      client.write(d);
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}`, stats, close: () => server.close() });
    });
  });
}

function frameParser(counter, onHead) {
  let buf = Buffer.alloc(0);
  let inFrames = onHead === null; // client→server bytes are fed only after the 101
  let ws = false;
  return {
    isWebSocket: () => ws,
    feed(d) {
      buf = Buffer.concat([buf, d]);
      if (!inFrames) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buf.subarray(0, end).toString("latin1");
        buf = buf.subarray(end + 4);
        ws = onHead(head);
        if (!ws) {
          // a plain HTTP exchange: stop parsing this connection
          inFrames = null;
          buf = Buffer.alloc(0);
          return;
        }
        inFrames = true;
      }
      if (inFrames !== true) return;
      for (;;) {
        if (buf.length < 2) return;
        const b0 = buf[0];
        const b1 = buf[1];
        let len = b1 & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (b1 & 0x80) off += 4;
        if (buf.length < off + len) return;
        counter.frames += 1;
        if (b0 & 0x40) counter.compressed += 1;
        buf = buf.subarray(off + len);
      }
    },
  };
}
