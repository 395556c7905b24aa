// The options object's rules (www/options.js): types, values, the exact messages of the
// TypeErrors, and what the core is handed (tests/options.rs applies it).

import { test } from "node:test";
import assert from "node:assert/strict";
import { at, readOptions } from "../../www/options.js";
import { OPTION_KINDS, OPTION_NAMES } from "../../www/seam.js";

/** The message `readOptions(o)` throws, checked to be a TypeError's. */
function message(o) {
  try {
    readOptions(o);
  } catch (e) {
    assert.ok(e instanceof TypeError, String(e));
    return e.message.replace(/^frappe-realtime: /, "");
  }
  assert.fail(`accepted: ${JSON.stringify(o)}`);
}

test("no options: nothing given", () => {
  for (const o of [undefined, null, {}, { shared: true, unknownName: 1 }]) {
    const v = readOptions(o);
    assert.equal(v.length, OPTION_NAMES.length);
    assert.ok(v.every((x) => x === undefined), JSON.stringify(o));
  }
  assert.equal(message(5), "options must be an object");
  assert.equal(message("websocket"), "options must be an object");
});

test("every option, as the core is handed it", () => {
  const given = {
    reconnection: false,
    reconnectionAttempts: 5.9,
    reconnectionDelay: 100,
    reconnectionDelayMax: 900,
    randomizationFactor: 0,
    timeout: 3000,
    transports: ["websocket", "polling"],
    upgrade: false,
    tryAllTransports: false,
    path: "rt",
    query: { a: "1", b: "x y" },
    withCredentials: false,
    extraHeaders: { Authorization: "token k:s" },
    bufferMaxCount: 3,
    bufferMaxAge: 10,
    bufferOverflow: "drop-newest",
    debug: true,
    autoConnect: false,
    ackTimeout: 2500.5,
    rejectionRetries: 1e12,
    firstRetryDelay: 50,
    auth: { token: "t" },
    maxAttachments: 2,
    maxAttachmentBytes: 1e5,
    joinAcks: true,
  };
  assert.deepEqual(Object.keys(given), OPTION_NAMES, "a new option gets a line in this test");
  const v = readOptions(given);
  const handed = { debug: "true", transports: "wp", query: "a=1&b=x%20y", extraHeaders: '{"Authorization":"token k:s"}', auth: '{"token":"t"}' };
  OPTION_NAMES.forEach((name, i) => {
    assert.equal(v[i], name in handed ? handed[name] : given[name], name);
  });
  assert.equal(at("joinAcks"), OPTION_NAMES.length - 1);
});

test("the query is URL text, encoded as socket.io-client encodes it", () => {
  const q = (query) => readOptions({ query })[at("query")];
  assert.equal(q({ "a b": "1&2=3", "ü": "x/y?z#", ok: "-_.!~*'()" }), "a%20b=1%262%3D3&%C3%BC=x%2Fy%3Fz%23&ok=-_.!~*'()");
  assert.equal(q({}), "");
  assert.equal(readOptions({ transports: ["polling"] })[at("transports")], "p");
});

test("values at their limits are taken", () => {
  const v = readOptions({ reconnectionAttempts: Infinity, ackTimeout: NaN, debug: false, transports: [], randomizationFactor: 1, timeout: 0 });
  assert.equal(v[at("reconnectionAttempts")], Infinity, "no limit");
  assert.ok(Number.isNaN(v[at("ackTimeout")]), "any number: the core makes it 0");
  assert.equal(v[at("debug")], "false");
  assert.equal(v[at("transports")], "", "the core refuses an empty list, with its own message");
  assert.equal(readOptions({ ackTimeout: -5, debug: "info" })[at("ackTimeout")], -5);
});

test("wrong types are named", () => {
  for (const [o, expected] of [
    [{ reconnection: "yes" }, "option reconnection must be a boolean"],
    [{ timeout: "soon" }, "option timeout must be a number"],
    [{ timeout: false }, "option timeout must be a number"],
    [{ path: 1 }, "option path must be a string"],
    [{ transports: "websocket" }, "option transports must be an array of strings"],
    [{ transports: [1] }, "option transports must be an array of strings"],
    [{ transports: { 0: "polling" } }, "option transports must be an array of strings"],
    [{ query: { a: 1 } }, "option query must be an object of strings"],
    [{ query: "a=1" }, "option query must be an object of strings"],
    [{ extraHeaders: ["a"] }, "option extraHeaders must be an object of strings"],
    [{ autoConnect: () => true }, "option autoConnect must be a boolean"],
    [{ auth: 7 }, "auth must be a plain object"],
    [{ auth: [] }, "auth must be a plain object"],
    [{ auth: () => ({}) }, "auth must be a plain object"],
    [{ auth: { n: 1n } }, "auth must be a plain object"],
    [{ debug: {} }, "option debug must be a string"],
  ]) {
    assert.equal(message(o), expected, JSON.stringify(Object.keys(o)));
  }
  const cyclic = {};
  cyclic.self = cyclic;
  assert.equal(message({ auth: cyclic }), "auth must be a plain object");
});

test("bad values are named", () => {
  for (const [o, expected] of [
    [{ transports: ["carrier-pigeon"] }, 'transports may only list "polling" and "websocket"'],
    [{ randomizationFactor: 2 }, "randomizationFactor must be between 0 and 1"],
    [{ randomizationFactor: NaN }, "randomizationFactor must be between 0 and 1"],
    [{ reconnectionAttempts: -1 }, "reconnectionAttempts must be a finite number >= 0"],
    [{ reconnectionAttempts: NaN }, "reconnectionAttempts must be a finite number >= 0"],
    [{ reconnectionDelay: Infinity }, "reconnectionDelay must be a finite number >= 0"],
    [{ firstRetryDelay: -1 }, "firstRetryDelay must be a finite number >= 0"],
    [{ bufferMaxCount: NaN }, "bufferMaxCount must be a finite number >= 0"],
    [{ maxAttachmentBytes: -Infinity }, "maxAttachmentBytes must be a finite number >= 0"],
    [{ bufferOverflow: "explode" }, 'bufferOverflow must be "drop-oldest" or "drop-newest"'],
    [{ bufferOverflow: true }, 'bufferOverflow must be "drop-oldest" or "drop-newest"'],
    [{ debug: "loud" }, "debug must be off, error, warn, info or debug"],
  ]) {
    assert.equal(message(o), expected, JSON.stringify(Object.keys(o)));
  }
});

test("every number is checked: each kind letter's options", () => {
  assert.equal(OPTION_KINDS.length, OPTION_NAMES.length);
  OPTION_NAMES.forEach((name, i) => {
    if (OPTION_KINDS[i] != "n") return;
    const o = { [name]: -1 };
    if (name == "ackTimeout") assert.equal(readOptions(o)[i], -1, "ackTimeout: any number");
    else assert.match(message(o), new RegExp(`^${name} must be `), name);
  });
});

test("the first problem in table order is reported", () => {
  assert.equal(message({ debug: "loud", timeout: "soon", reconnection: 1 }), "option reconnection must be a boolean");
  assert.equal(message({ debug: "loud", timeout: -1 }), "timeout must be a finite number >= 0");
  assert.equal(message({ debug: 7, timeout: -1 }), "timeout must be a finite number >= 0");
});
