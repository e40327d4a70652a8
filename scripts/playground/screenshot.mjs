// Screenshot of the serve playground after a streamed completion, in Debian's headless chromium.
// usage: node --experimental-websocket scripts/playground/screenshot.mjs URL OUT.png [WAIT_MS]
// (chromium must be running with --headless --remote-debugging-port=9222; see README "Serving")
import { writeFileSync } from "node:fs";

const [url, out, waitMs = "8000"] = process.argv.slice(2);
const target = await (await fetch("http://127.0.0.1:9222/json/new?about:blank", { method: "PUT" })).json();
const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise(r => ws.addEventListener("open", r, { once: true }));
let id = 0;
const pending = new Map();
ws.addEventListener("message", m => {
  const msg = JSON.parse(m.data);
  if (pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); }
});
const send = (method, params = {}) => new Promise(r => {
  pending.set(++id, r);
  ws.send(JSON.stringify({ id, method, params }));
});
await send("Emulation.setDeviceMetricsOverride", { width: 1100, height: 760, deviceScaleFactor: 1, mobile: false });
await send("Page.navigate", { url });
await new Promise(r => setTimeout(r, Number(waitMs))); // the completion streams in real time
const stats = await send("Runtime.evaluate", { expression: "document.getElementById('stats').textContent" });
console.log("stats:", stats.result.result.value);
const shot = await send("Page.captureScreenshot", { format: "png" });
writeFileSync(out, Buffer.from(shot.result.data, "base64"));
console.log("wrote", out);
ws.close();
process.exit(0);
