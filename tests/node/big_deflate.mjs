// A 100 KB message in both directions over WebSocket with permessage-deflate,
// through a proxy that counts compressed (RSV1) frames on the wire.
import { connect, check, once, deadline, startSniffer, URL } from "./lib.mjs";

deadline(30000);
const sniffer = await startSniffer(URL);
const socket = connect({ transports: ["websocket"] }, sniffer.url);
await once(socket, "connect");

// ~100 KB of varied but compressible text
let big = "";
for (let i = 0; big.length < 100 * 1024; i++) big += `item ${i} value ${(i * 7919) % 1000};`;
socket.emit("message", big);
const [back] = await once(socket, "message-back", 15000);
check(back === big, `100 KB message came back intact (${big.length} chars)`);

const ext = sniffer.stats.extensions.join(";");
check(/permessage-deflate/.test(ext), `server accepted permessage-deflate (${ext})`);
const { toServer, toClient } = sniffer.stats;
console.log(`frames to server ${toServer.frames} (compressed ${toServer.compressed}), to client ${toClient.frames} (compressed ${toClient.compressed})`);
check(toServer.compressed >= 1, "the client's 100 KB frame crossed the wire compressed");
check(toClient.compressed >= 1, "the server's 100 KB frame crossed the wire compressed");
socket.disconnect();
sniffer.close();
process.exit(0);
