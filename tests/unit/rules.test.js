// Unit tests of www/rules.js: the emit checks, rooms and offline buffer that RealtimeClient
// and shared mode share; the buffer against the Rust core's rules and defaults.
//
//   node --test tests/unit/rules.test.js

import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { BUFFER_DEFAULTS, EmitBuffer, ROOM_EVENTS, bufferOptions, checkClone, checkEmit, isReserved, room, roomEmit, roomKey, subscriptionArgs } from "../../www/rules.js";
import { EMIT_RESERVED, LIFECYCLE, ROOM_KINDS } from "../../www/seam.js";
import { fakeClock } from "./fakes.js";

const refused = (f, message) => assert.throws(f, (e) => e instanceof TypeError && (message instanceof RegExp ? message.test(e.message) : e.message === message));
const SERIAL = "frappe-realtime: arguments cannot be serialised: ";

describe("checkEmit", () => {
  test("the event name: a non-empty string", () => {
    for (const bad of ["", undefined, null, 5, {}, Symbol("e")]) {
      refused(() => checkEmit(bad, []), "frappe-realtime: event name must be a non-empty string");
    }
  });

  test("every reserved name (seam.js EMIT_RESERVED) is refused, and only those", () => {
    assert.ok(EMIT_RESERVED.length > 0);
    for (const name of EMIT_RESERVED) refused(() => checkEmit(name, []), "frappe-realtime: event name is reserved");
    // Lifecycle names outside EMIT_RESERVED may be emitted (the server sees an event).
    for (const name of LIFECYCLE.filter((n) => !EMIT_RESERVED.includes(n))) checkEmit(name, []);
    checkEmit("message", [1, "a", { b: [null, true] }]);
  });

  test("arguments JSON cannot serialise: symbol, Blob, BigInt, a cycle (RealtimeClient's messages)", () => {
    refused(() => checkEmit("e", [Symbol("s")]), SERIAL + "Symbol(s)");
    refused(() => checkEmit("e", [{ deep: [Symbol("t")] }]), SERIAL + "Symbol(t)");
    refused(() => checkEmit("e", [new Blob(["x"])]), SERIAL + "[object Blob]");
    refused(() => checkEmit("e", [1n]), /^frappe-realtime: arguments cannot be serialised: .*BigInt/);
    const cyclic = { a: {} };
    cyclic.a.back = cyclic;
    refused(() => checkEmit("e", [cyclic]), /^frappe-realtime: arguments cannot be serialised: .*circular/);
  });

  test("a trailing function is the ack; checkClone (shared mode) refuses any function", () => {
    checkEmit("e", [1, () => {}]);
    // JSON drops a function inside an object: RealtimeClient lets it through...
    checkEmit("e", [{ f() {} }]);
    // ...a structured clone cannot copy it: shared mode refuses it, anywhere.
    refused(() => checkClone([{ f() {} }]), SERIAL + "function");
    refused(() => checkClone([1, () => {}]), SERIAL + "function");
    checkClone([1, { a: [2] }, "s", null]);
  });

  test("bytes pass", () => {
    const bytes = [new Uint8Array(3), new ArrayBuffer(2), { b: new DataView(new ArrayBuffer(1)) }];
    checkEmit("e", bytes);
    checkClone(bytes);
  });
});

test("isReserved: every LIFECYCLE and EMIT_RESERVED name, nothing else", () => {
  for (const name of [...LIFECYCLE, ...EMIT_RESERVED]) assert.equal(isReserved(name), true, name);
  for (const name of ["message", "list_update", "doc_update", "Connect", ""]) assert.equal(isReserved(name), false, name);
});

describe("rooms", () => {
  test("subscriptionArgs: strings, \"\" / undefined when not given", () => {
    assert.deepEqual(subscriptionArgs("ToDo", 5), ["ToDo", "5"]);
    assert.deepEqual(subscriptionArgs(null, undefined), ["", undefined]);
    assert.deepEqual(subscriptionArgs(7), ["7", undefined]);
  });

  test("room: every kind of seam.js ROOM_KINDS, one or two names", () => {
    assert.deepEqual(ROOM_KINDS, ["doctype", "doc", "doc_open", "task", "progress"]);
    assert.deepEqual(room("doctype", "ToDo", "ignored"), ["doctype", "ToDo"]);
    assert.deepEqual(room("doc", "ToDo", 1), ["doc", "ToDo", "1"]);
    assert.deepEqual(room("doc_open", "ToDo", "TD-1"), ["doc_open", "ToDo", "TD-1"]);
    assert.deepEqual(room("task", 42), ["task", "42"]);
    assert.deepEqual(room("progress", "t1", "x"), ["progress", "t1"]);
  });

  test("room: the core's messages for an unknown kind and an empty name", () => {
    const kind = "frappe-realtime: subscription kind must be doctype, doc, doc_open, task or progress";
    refused(() => room("room", "x"), kind);
    refused(() => room(undefined, "x"), kind);
    const empty = "frappe-realtime: subscription arguments must be non-empty strings";
    refused(() => room("doctype", ""), empty);
    refused(() => room("task", null), empty);
    refused(() => room("doc", "ToDo"), empty);
    refused(() => room("doc_open", "ToDo", ""), empty);
    refused(() => room("doc", "", "TD-1"), empty);
  });

  test("roomKey: task and progress of one id join one room; the others differ", () => {
    assert.equal(roomKey(["task", "t1"]), roomKey(["progress", "t1"]));
    assert.notEqual(roomKey(["task", "t1"]), roomKey(["task", "t2"]));
    assert.notEqual(roomKey(["doc", "ToDo", "1"]), roomKey(["doc_open", "ToDo", "1"]));
    assert.notEqual(roomKey(["doc", "ToDo", "1"]), roomKey(["doc", "ToDo", "2"]));
  });
});

describe("roomEmit: raw room emits recognised as subscriptions", () => {
  // Frappe's handlers (realtime/handlers.js) and the core's events (src/protocol/rooms.rs).
  const CASES = [
    ["doctype_subscribe", ["ToDo"], ["doctype", true, "ToDo", undefined]],
    ["doctype_unsubscribe", ["ToDo"], ["doctype", false, "ToDo", undefined]],
    ["doc_subscribe", ["ToDo", "TD-1"], ["doc", true, "ToDo", "TD-1"]],
    ["doc_unsubscribe", ["ToDo", "TD-1"], ["doc", false, "ToDo", "TD-1"]],
    ["doc_open", ["ToDo", "TD-1"], ["doc_open", true, "ToDo", "TD-1"]],
    ["doc_close", ["ToDo", "TD-1"], ["doc_open", false, "ToDo", "TD-1"]],
    ["task_subscribe", ["t-1"], ["task", true, "t-1", undefined]],
    ["task_unsubscribe", ["t-1"], ["task", false, "t-1", undefined]],
    ["progress_subscribe", ["t-1"], ["progress", true, "t-1", undefined]],
  ];

  test("each room event with the server's arguments → [kind, join, names]; every kind is a seam.js ROOM_KINDS", () => {
    for (const [event, args, want] of CASES) {
      assert.deepEqual(roomEmit(event, args), want, event);
      assert.ok(ROOM_KINDS.includes(want[0]), want[0]);
      // room() takes what roomEmit gives: the core will too.
      room(want[0], want[2], want[3]);
    }
    assert.deepEqual(Object.keys(ROOM_EVENTS).sort(), CASES.map((c) => c[0]).sort());
  });

  test("a number is a name (the same room on the server), sent as its string", () => {
    assert.deepEqual(roomEmit("doc_subscribe", ["HD Ticket", 42]), ["doc", true, "HD Ticket", "42"]);
    assert.deepEqual(roomEmit("task_subscribe", [7]), ["task", true, "7", undefined]);
  });

  test("anything but exactly the server's arguments is not recognised (the emit goes out as it is)", () => {
    const ack = () => {};
    for (const [event, args] of [
      ["doc_subscribe", ["ToDo"]], // too few
      ["doc_subscribe", ["ToDo", "TD-1", "x"]], // too many
      ["doc_subscribe", ["ToDo", "TD-1", ack]], // an ack
      ["doctype_subscribe", ["ToDo", ack]],
      ["doctype_subscribe", []],
      ["doctype_subscribe", [""]], // empty name
      ["doc_open", ["ToDo", ""]],
      ["doc_subscribe", ["ToDo", null]],
      ["doc_subscribe", ["ToDo", { name: "TD-1" }]],
      ["task_subscribe", [NaN]],
      ["task_subscribe", [Infinity]],
      ["task_subscribe", [true]],
      ["progress_unsubscribe", ["t-1"]], // Frappe has no such handler
      ["list_update", ["ToDo"]],
      ["toString", ["x"]], // not found through a prototype
      ["constructor", ["x"]],
      [undefined, ["x"]],
      [5, ["x"]],
    ]) {
      assert.equal(roomEmit(event, args), null, `${String(event)}(${args.length} args)`);
    }
  });

  test("ROOM_EVENTS has no prototype: other names cost one lookup that finds nothing", () => {
    assert.equal(Object.getPrototypeOf(ROOM_EVENTS), null);
    for (const name of ["toString", "__proto__", "hasOwnProperty", "message"]) assert.equal(ROOM_EVENTS[name], undefined, name);
  });
});

describe("bufferOptions", () => {
  test("the defaults are the Rust core's (src/protocol/config.rs)", () => {
    const rust = readFileSync(new URL("../../src/protocol/config.rs", import.meta.url), "utf8");
    const count = Number(/buffer_max_count:\s*(\d+),/.exec(rust)[1]);
    const age = Number(/buffer_max_age:\s*Duration\(([\d_]+)\),/.exec(rust)[1].replaceAll("_", ""));
    const policy = /buffer_overflow:\s*OverflowPolicy::(\w+),/.exec(rust)[1];
    assert.deepEqual(BUFFER_DEFAULTS, { maxCount: count, maxAge: age, overflow: { DropOldest: "drop-oldest", DropNewest: "drop-newest" }[policy] });
    assert.deepEqual(bufferOptions(undefined), BUFFER_DEFAULTS);
    assert.deepEqual(bufferOptions({ bufferMaxCount: null }), BUFFER_DEFAULTS);
  });

  test("values as the wasm client reads them; its messages when wrong", () => {
    assert.deepEqual(bufferOptions({ bufferMaxCount: 2.7, bufferMaxAge: 0, bufferOverflow: "drop-newest" }), { maxCount: 2, maxAge: 0, overflow: "drop-newest" });
    refused(() => bufferOptions({ bufferMaxCount: "5" }), "frappe-realtime: option bufferMaxCount must be a number");
    refused(() => bufferOptions({ bufferMaxAge: -1 }), "frappe-realtime: bufferMaxAge must be a finite number >= 0");
    refused(() => bufferOptions({ bufferMaxCount: Infinity }), "frappe-realtime: bufferMaxCount must be a finite number >= 0");
    refused(() => bufferOptions({ bufferOverflow: 1 }), "frappe-realtime: option bufferOverflow must be a string");
    refused(() => bufferOptions({ bufferOverflow: "drop" }), 'frappe-realtime: bufferOverflow must be "drop-oldest" or "drop-newest"');
    refused(() => bufferOptions({ bufferOverflow: true }), 'frappe-realtime: bufferOverflow must be "drop-oldest" or "drop-newest"');
  });
});

describe("EmitBuffer", () => {
  /** A buffer over a fake clock; `drops` lists [event, reason] as reported. */
  function buffer(limits) {
    const clock = fakeClock();
    const drops = [];
    const b = new EmitBuffer(Object.assign({}, BUFFER_DEFAULTS, limits), clock, (item, reason) => drops.push([item.event, reason]));
    const push = (...names) => names.forEach((event) => b.push({ event }));
    const names = () => b.take().map((i) => i.event);
    return { b, clock, drops, push, names };
  }

  test("full, drop-oldest (the default): the oldest goes, reported \"buffer full\"", () => {
    const { b, drops, push, names } = buffer({ maxCount: 2 });
    push("a", "b", "c", "d");
    assert.equal(b.length, 2);
    assert.deepEqual(drops, [
      ["a", "buffer full"],
      ["b", "buffer full"],
    ]);
    assert.deepEqual(names(), ["c", "d"]);
    assert.equal(b.length, 0);
  });

  test("full, drop-newest: the new emit goes, what is buffered stays", () => {
    const { drops, push, names } = buffer({ maxCount: 2, overflow: "drop-newest" });
    push("a", "b", "c", "d");
    assert.deepEqual(drops, [
      ["c", "buffer full"],
      ["d", "buffer full"],
    ]);
    assert.deepEqual(names(), ["a", "b"]);
  });

  test("maxCount 0 keeps nothing, whatever the policy", () => {
    for (const overflow of ["drop-oldest", "drop-newest"]) {
      const { drops, push, names } = buffer({ maxCount: 0, overflow });
      push("a");
      assert.deepEqual(drops, [["a", "buffer full"]]);
      assert.deepEqual(names(), []);
    }
  });

  test("an emit maxAge old expires on time, reported \"expired\"; the timer follows the oldest", () => {
    const { b, clock, drops, push } = buffer({ maxAge: 1000 });
    push("a");
    clock.advance(400);
    push("b");
    assert.equal(clock.armed, 1, "one timer");
    clock.advance(599);
    assert.deepEqual(drops, []);
    clock.advance(1); // a is 1000 ms old: the core's `now >= at + max_age`
    assert.deepEqual(drops, [["a", "expired"]]);
    assert.equal(b.length, 1);
    clock.advance(399);
    assert.equal(b.length, 1);
    clock.advance(1);
    assert.deepEqual(drops, [
      ["a", "expired"],
      ["b", "expired"],
    ]);
    assert.equal(b.length, 0);
    assert.equal(clock.armed, 0, "no timer left");
  });

  test("take() drops what has expired first, and disarms", () => {
    const { clock, drops, push, names } = buffer({ maxAge: 0 });
    push("a", "b");
    // Expired at once (maxAge 0), still there until a check runs.
    assert.deepEqual(names(), []);
    assert.deepEqual(drops, [
      ["a", "expired"],
      ["b", "expired"],
    ]);
    assert.equal(clock.armed, 0);
  });

  test("clear() forgets everything, reports nothing, disarms", () => {
    const { b, clock, drops, push } = buffer({});
    push("a", "b");
    b.clear();
    assert.equal(b.length, 0);
    assert.equal(clock.armed, 0);
    clock.advance(120000);
    assert.deepEqual(drops, []);
  });
});
