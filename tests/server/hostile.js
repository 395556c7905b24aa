// A small Engine.IO v4 / Socket.IO v5 server that misbehaves on command, for the
// hostile-server suite (tests/e2e/hostile.test.js). Written from the protocol documents
// (engine.io-protocol v4, socket.io-protocol v5); authenticates nothing: any namespace
// CONNECT gets a sid. Also serves the package (pkg/, www/) and the test page, so the page
// and the server share one origin. Test infrastructure only; listens on 127.0.0.1.
//
// JS API (the tests run it in-process):
//   const h = await startHostile({pingInterval, pingTimeout});
//   h.url                      http://127.0.0.1:<port>
//   h.handshake = fn | null    each handshake: fn(sid) → a raw open frame to send instead of
//                              the sane one, or null for the sane one
//   h.onSession = fn | null    called with each new session once its namespace CONNECT is answered
//   h.sessions                 live sessions; each: {sid, transport, nsp, open, received[],
//                              sendRaw(text), sendBinary(buf), event(name, args, ackId?),
//                              storm(frames, count), stall(bytes), close()}
//   h.connects                 namespace CONNECTs answered so far
//   h.waitSession(n)           resolves with the n-th (1-based) session to connect a namespace
//   h.close()
//
// Sane behaviour: answers the handshake, pings every pingInterval, answers namespace
// CONNECTs, drops sessions whose pong does not come in pingTimeout.

import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { WebSocketServer } from "ws";
import { REPO_ROOT } from "./web.js";

const SEP = "\x1e"; // the polling payload separator (engine.io-protocol v4)
const MIME = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".map": "application/json" };
/** Most frames a storm may send: storms are bounded. */
export const STORM_MAX = 100000;

/**
 * @param {{pingInterval?: number, pingTimeout?: number, maxPayload?: number, lifetimeMs?: number}} [opts]
 */
export async function startHostile({ pingInterval = 1000, pingTimeout = 3000, maxPayload = 1000000, lifetimeMs = 600000 } = {}) {
  const sessions = new Map();
  const waiters = [];
  const h = {
    url: "",
    handshake: null,
    onSession: null,
    connects: 0,
    get sessions() {
      return [...sessions.values()];
    },
    /** @param {number} n */
    waitSession(n) {
      const s = h.connected[n - 1];
      if (s) return Promise.resolve(s);
      return new Promise((resolve) => waiters.push([n, resolve]));
    },
    connected: [],
    close,
  };

  const openFrame = (sid, upgrades) =>
    "0" + JSON.stringify({ sid, upgrades, pingInterval, pingTimeout, maxPayload });

  /** A session: one Engine.IO connection (polling or WebSocket). */
  function newSession(transport) {
    const sid = crypto.randomBytes(10).toString("base64url");
    const s = {
      sid,
      transport,
      nsp: null,
      open: true,
      received: [],
      ws: null,
      queue: [], // polling: packets waiting for a GET
      pending: null, // polling: the GET waiting for packets
      timer: null,
      pongDue: null,
      sendRaw(text) {
        send(s, text);
      },
      sendBinary(buf) {
        if (!s.open) return;
        if (s.ws) s.ws.send(buf, { binary: true });
        else pushPoll(s, "b" + Buffer.from(buf).toString("base64"));
      },
      event(name, args = [], ackId = "") {
        send(s, "4" + "2" + (s.nsp && s.nsp !== "/" ? s.nsp + "," : "") + ackId + JSON.stringify([name, ...args]));
      },
      stall(bytes) {
        // No more pings or pong checks, and the start of a WebSocket text frame that never
        // ends (`bytes` of a 65 535-byte payload): the link looks alive and says nothing.
        clearInterval(s.timer);
        if (s.ws) s.ws._socket.write(Buffer.concat([Buffer.from([0x81, 126, 0xff, 0xff]), Buffer.alloc(bytes, 0x34)]));
      },
      storm(frame, count) {
        const n = Math.min(count, STORM_MAX);
        for (let i = 0; i < n && s.open; i++) send(s, typeof frame === "function" ? frame(i) : frame);
      },
      close() {
        end(s);
      },
    };
    sessions.set(sid, s);
    s.timer = setInterval(() => {
      if (!s.open) return;
      if (s.pongDue !== null && Date.now() > s.pongDue) return end(s);
      if (s.pongDue === null) s.pongDue = Date.now() + pingTimeout;
      send(s, "2");
    }, pingInterval);
    return s;
  }

  function send(s, text) {
    if (!s.open) return;
    if (s.ws) s.ws.send(text);
    else pushPoll(s, text);
  }

  function pushPoll(s, packet) {
    s.queue.push(packet);
    flushPoll(s);
  }

  function flushPoll(s) {
    if (!s.pending || !s.queue.length) return;
    const res = s.pending;
    s.pending = null;
    const body = s.queue.splice(0).join(SEP);
    res.writeHead(200, { "Content-Type": "text/plain; charset=UTF-8", "Cache-Control": "no-store" });
    res.end(body);
  }

  function end(s) {
    if (!s.open) return;
    s.open = false;
    clearInterval(s.timer);
    sessions.delete(s.sid);
    if (s.ws) s.ws.terminate();
    if (s.pending) {
      s.pending.writeHead(400);
      s.pending.end();
      s.pending = null;
    }
  }

  /** One Engine.IO packet from the client. */
  function onPacket(s, text) {
    s.received.push(text);
    if (s.received.length > 200) s.received.shift();
    const type = text[0];
    if (type === "3") s.pongDue = null;
    else if (type === "1") end(s);
    else if (type === "4" && text[1] === "0") {
      // Socket.IO CONNECT: "0" [nsp ","] [auth]. Accept anything.
      const rest = text.slice(2);
      const nsp = rest.startsWith("/") ? rest.slice(0, rest.indexOf(",") < 0 ? rest.length : rest.indexOf(",")) : "/";
      s.nsp = nsp;
      send(s, "40" + (nsp !== "/" ? nsp + "," : "") + JSON.stringify({ sid: crypto.randomBytes(8).toString("base64url") }));
      h.connects++;
      h.connected.push(s);
      for (let i = waiters.length - 1; i >= 0; i--) {
        const [n, resolve] = waiters[i];
        if (h.connected.length >= n) {
          waiters.splice(i, 1);
          resolve(h.connected[n - 1]);
        }
      }
      if (h.onSession) h.onSession(s);
    }
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    if (url.pathname === "/socket.io/") return polling(req, res, url);
    // Static: the package and the page.
    let file = null;
    if (url.pathname === "/hostile.html") file = path.join(REPO_ROOT, "tests", "e2e", "pages", "hostile.html");
    else if (/^\/(pkg|www)\/[\w./-]+$/.test(url.pathname) && !url.pathname.includes("..")) file = path.join(REPO_ROOT, url.pathname);
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { "Content-Type": MIME[path.extname(file)] || "application/octet-stream", "Cache-Control": "no-store" });
    fs.createReadStream(file).pipe(res);
  });

  function polling(req, res, url) {
    const sid = url.searchParams.get("sid");
    if (!sid) {
      if (req.method !== "GET") return res.writeHead(400).end();
      const s = newSession("polling");
      const frame = (h.handshake && h.handshake(s.sid)) || openFrame(s.sid, []);
      res.writeHead(200, { "Content-Type": "text/plain; charset=UTF-8", "Cache-Control": "no-store" });
      return res.end(frame);
    }
    const s = sessions.get(sid);
    if (!s || s.ws) return res.writeHead(400).end('{"code":1,"message":"Session ID unknown"}');
    if (req.method === "GET") {
      if (s.pending) return end(s), res.writeHead(400).end();
      s.pending = res;
      req.on("close", () => {
        if (s.pending === res) s.pending = null;
      });
      // Long-poll: answer when there is something, or with a noop after pingInterval.
      setTimeout(() => {
        if (s.pending === res) pushPoll(s, "6");
      }, pingInterval).unref();
      return flushPoll(s);
    }
    let body = "";
    let size = 0;
    req.setEncoding("utf8");
    req.on("data", (d) => {
      size += d.length;
      if (size <= maxPayload) body += d;
    });
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
      for (const p of body.split(SEP)) if (p) onPacket(s, p);
    });
  }

  // Accepts more than it announces: a pong may echo a big ping's payload.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url, "http://127.0.0.1");
    if (url.pathname !== "/socket.io/" || url.searchParams.get("transport") !== "websocket") return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      const s = newSession("websocket");
      s.ws = ws;
      ws.on("message", (data, isBinary) => {
        if (!isBinary) onPacket(s, data.toString());
      });
      ws.on("close", () => end(s));
      ws.on("error", () => end(s));
      ws.send((h.handshake && h.handshake(s.sid)) || openFrame(s.sid, []));
    });
  });

  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  h.url = `http://127.0.0.1:${server.address().port}`;
  // Stops by itself if a test forgets to.
  const lifetime = setTimeout(close, lifetimeMs);
  lifetime.unref();

  let closed = null;
  function close() {
    if (!closed) {
      clearTimeout(lifetime);
      for (const s of sessions.values()) end(s);
      wss.close();
      server.closeAllConnections?.();
      closed = new Promise((resolve) => server.close(() => resolve()));
    }
    return closed;
  }
  return h;
}
