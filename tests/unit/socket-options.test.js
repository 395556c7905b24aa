// Unit tests of www/socket-options.js: socket.io-client option values turned into what the
// wasm client takes (its rules: src/protocol/options.rs), with socket.io-client's meaning.
// That the client then accepts them is checked in tests/e2e/socket-io-client.test.js.
//
//   node --test tests/unit/socket-options.test.js

import { test } from "node:test";
import assert from "node:assert/strict";
import { Fetch, NodeWebSocket, NodeXHR, WebSocket, WebTransport, XHR, clientOptions, queryObject } from "../../www/socket-options.js";

test("query: numbers and booleans become strings, null / undefined are left out, a string is parsed", () => {
  assert.deepEqual(clientOptions({ query: { v: 1, ok: true, s: "x", n: null, u: undefined } }).query, { v: "1", ok: "true", s: "x" });
  assert.deepEqual(clientOptions({ query: "a=1&b=two%20words" }).query, { a: "1", b: "two words" });
  assert.deepEqual(queryObject("?x=1"), { x: "1" });
});

test("extraHeaders: values become strings", () => {
  assert.deepEqual(clientOptions({ extraHeaders: { Authorization: "token a:b", "X-N": 5 } }).extraHeaders, { Authorization: "token a:b", "X-N": "5" });
});

test("transports: names and the exported transport classes; webtransport and unknowns left out; none left is the default", () => {
  assert.deepEqual(clientOptions({ transports: [WebSocket, "polling", "webtransport", WebTransport, "carrier-pigeon"] }).transports, ["websocket", "polling"]);
  assert.deepEqual(clientOptions({ transports: [XHR, Fetch, NodeXHR, NodeWebSocket] }).transports, ["polling", "polling", "polling", "websocket"]);
  assert.equal("transports" in clientOptions({ transports: ["webtransport"] }), false);
});

test("timeout: false is the default; numeric strings are numbers; randomizationFactor is clamped to 0..1", () => {
  assert.equal("timeout" in clientOptions({ timeout: false }), false);
  assert.equal(clientOptions({ timeout: 5000 }).timeout, 5000);
  const o = clientOptions({ reconnectionAttempts: "5", reconnectionDelay: " 300 ", ackTimeout: "abc", randomizationFactor: 2 });
  assert.equal(o.reconnectionAttempts, 5);
  assert.equal(o.reconnectionDelay, 300);
  assert.equal(o.ackTimeout, "abc", "not a number: left for the client to refuse");
  assert.equal(o.randomizationFactor, 1);
  assert.equal(clientOptions({ randomizationFactor: -1 }).randomizationFactor, 0);
});

test("auth: a function that calls back at once gives the payload; one that does not is left out, with a warning", (t) => {
  assert.deepEqual(clientOptions({ auth: (cb) => cb({ token: "t" }) }).auth, { token: "t" });
  assert.deepEqual(clientOptions({ auth: { token: "u" } }).auth, { token: "u" });
  const warn = t.mock.method(console, "warn", () => {});
  assert.equal("auth" in clientOptions({ auth: (cb) => setTimeout(() => cb({ token: "late" })) }), false);
  assert.equal("auth" in clientOptions({ auth: () => { throw new Error("no"); } }), false);
  assert.equal(warn.mock.callCount(), 3, "a warning for the late one; a warning and 'did not call back' for the throwing one");
});

test("other names and values are copied as they are; the caller's object is not changed", () => {
  const given = { withCredentials: true, forceNew: true, secure: true, debug: "info", query: { v: 1 }, custom: { deep: [1] } };
  const o = clientOptions(given);
  assert.equal(o.withCredentials, true);
  assert.equal(o.forceNew, true);
  assert.equal(o.secure, true);
  assert.equal(o.debug, "info");
  assert.equal(o.custom, given.custom);
  assert.deepEqual(given.query, { v: 1 }, "unchanged");
  assert.deepEqual(clientOptions(undefined), {});
  assert.deepEqual(clientOptions(null), {});
});
