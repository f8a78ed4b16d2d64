// TLS: socket.io-client with default transports against the example server
// serving a self-signed certificate, as the observer app connects
// (rejectUnauthorized: false).
import { connect, check, once, deepEqual, deadline, URL } from "./lib.mjs";

deadline(20000);
check(URL.startsWith("https://"), `server URL is https (${URL})`);
const socket = connect({ rejectUnauthorized: false });
const first = socket.io.engine.transport.name;
const upgraded = once(socket.io.engine, "upgrade", 10000);
socket.on("connect_error", (e) => check(false, `connect_error: ${e.message}`));
await once(socket, "connect");
check(first === "polling", "opened on polling over TLS");
await upgraded;
check(socket.io.engine.transport.name === "websocket", "upgraded to wss");
let big = "";
for (let i = 0; big.length < 20000; i++) big += `tls ${i};`;
socket.emit("message", "over tls", big);
const back = await once(socket, "message-back");
check(deepEqual(back, ["over tls", big]), "events both ways over TLS (20 KB)");
socket.disconnect();
process.exit(0);
