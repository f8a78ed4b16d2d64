// Reconnection: socket.io-client (default options) asks the example server to
// close its Engine.IO session (the server drops it without a Socket.IO
// goodbye, as on a restart or a heartbeat timeout); the client must notice,
// reconnect on its own with a new session, and work again.
import { io } from "socket.io-client";
import { check, once, deepEqual, deadline, URL } from "./lib.mjs";

deadline(30000);
const socket = io(URL, { forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 300 });
await once(socket, "connect", 10000);
const firstSid = socket.io.engine.id;
check(typeof firstSid === "string", `connected (session ${firstSid})`);
// wait for the upgrade so the close comes over the WebSocket
if (socket.io.engine.transport.name !== "websocket") await once(socket.io.engine, "upgrade", 10000);
socket.emit("close-session");
const [reason] = await once(socket, "disconnect", 10000);
check(reason === "transport close", `the server closed the session (${reason})`);
await once(socket, "connect", 10000);
check(socket.io.engine.id !== firstSid, `reconnected with a new session (${socket.io.engine.id})`);
socket.emit("message", "after reconnect");
const back = await once(socket, "message-back");
check(deepEqual(back, ["after reconnect"]), "events flow after reconnecting");

// and the same over long-polling only
const polling = io(URL, { forceNew: true, transports: ["polling"], reconnectionDelay: 100 });
await once(polling, "connect", 10000);
const pollSid = polling.io.engine.id;
polling.emit("close-session");
const [reason2] = await once(polling, "disconnect", 10000);
check(reason2 === "transport close", `polling session closed by the server (${reason2})`);
await once(polling, "connect", 10000);
check(polling.io.engine.id !== pollSid, "polling client reconnected with a new session");
socket.disconnect();
polling.disconnect();
process.exit(0);
