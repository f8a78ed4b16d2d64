// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// loads a page from a local static server; the page loads socket.io-client's
// browser bundle, connects to the example server (another origin, so CORS is
// exercised) with default options and exchanges events, one over 1024 bytes.
import { chromium } from "playwright-core";
import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { check, deadline, fail, startSniffer, URL } from "./lib.mjs";

deadline(60000);
const here = path.dirname(fileURLToPath(import.meta.url));
// The page talks to the server through a proxy that counts compressed frames.
const sniffer = await startSniffer(URL);
const bundle = fs.readFileSync(path.join(here, "node_modules/socket.io-client/dist/socket.io.min.js"));

const page = `<!doctype html><html><head><meta charset="utf-8"><script src="/socket.io.min.js"></script></head>
<body><script>
window.result = (async () => {
  const log = [];
  const socket = io(${JSON.stringify(sniffer.url)}, { reconnection: false });
  // the engine and its first transport exist as soon as io() returns
  const first = socket.io.engine.transport.name;
  const upgraded = new Promise((r) => socket.io.engine.once("upgrade", (t) => r(t.name)));
  const once = (ev) => new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error("timeout " + ev)), 10000);
    socket.once(ev, (...a) => { clearTimeout(t); res(a); });
  });
  await once("connect");
  log.push("connected:" + first);
  const timeout = new Promise((r) => setTimeout(() => r("no upgrade"), 10000));
  log.push("transport:" + (await Promise.race([upgraded, timeout])));
  socket.emit("message", "hello", 1);
  const [small] = [await once("message-back")];
  const big = "browser-payload-".repeat(200); // 3200 bytes
  socket.emit("message", big);
  const bigBack = (await once("message-back"))[0];
  const acked = await new Promise((r) => socket.emit("message-with-ack", big, (a) => r(a)));
  socket.disconnect();
  return { log, small, bigOk: bigBack === big, bigLen: big.length, ackOk: acked === big };
})().catch((e) => ({ error: String(e) }));
</script></body></html>`;

const server = http.createServer((req, res) => {
  if (req.url === "/socket.io.min.js") {
    res.writeHead(200, { "content-type": "application/javascript" });
    res.end(bundle);
  } else {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(page);
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const pageUrl = `http://127.0.0.1:${server.address().port}/`;

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chromium-profile-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const tab = await context.newPage();
  tab.on("console", (m) => console.log("page: " + m.text()));
  await tab.goto(pageUrl);
  const r = await tab.evaluate(() => window.result);
  console.log(JSON.stringify({ ...r, small: r.small }));
  if (r.error) fail(r.error);
  check(r.log[0] === "connected:polling", "the browser opened on polling");
  check(r.log[1] === "transport:websocket", "the browser upgraded to websocket");
  check(JSON.stringify(r.small) === JSON.stringify(["hello", 1]), "small event round trip");
  check(r.bigOk && r.bigLen > 1024, `event over 1024 bytes round trip (${r.bigLen} bytes)`);
  check(r.ackOk, "ack with a payload over 1024 bytes");
  const { toServer, toClient } = sniffer.stats;
  console.log(`extensions ${sniffer.stats.extensions.join(";")}; frames to server ${toServer.frames} (compressed ${toServer.compressed}), to client ${toClient.frames} (compressed ${toClient.compressed})`);
  check(toClient.compressed >= 1, "the server sent Chromium compressed frames, and Chromium inflated them");
  check(toServer.compressed >= 1, "Chromium sent compressed frames, and the server inflated them");
} finally {
  await context.close();
  server.close();
  sniffer.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(0);
