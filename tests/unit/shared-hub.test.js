// Unit tests of shared mode's hub (www/shared-hub.js), driven as the worker and the leader
// tab drive it but with fakes: members are message inboxes (or real SharedRealtimeClients
// linked by a fake channel, `own.start`), the client is tests/unit/fakes.js FakeClient.
//
//   node --test tests/unit/shared-hub.test.js

import { test, describe, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { Hub, wire, unwire } from "../../www/shared-hub.js";
import { SharedRealtimeClient } from "../../www/shared.js";
import { LIFECYCLE } from "../../www/seam.js";
import { FakeClient, fakeClock, settle } from "./fakes.js";

const URL_ = "https://erp.example.com/site1";

beforeEach(() => {
  FakeClient.made.length = 0;
});

/**
 * A Hub over a FakeClient whose members are inboxes: `say(msg)` is a member's message,
 * `inbox(id)` what the hub sent it (structured clones, as postMessage makes them).
 */
function hubWithInboxes(env = {}) {
  const boxes = new Map();
  const inbox = (id) => boxes.get(id) || boxes.set(id, []).get(id);
  const hub = new Hub(
    Object.assign(
      {
        id: "w1",
        makeClient: () => new FakeClient(URL_, { autoConnect: false }),
        send(to, msg) {
          const ids = to === "*" ? [...boxes.keys()] : typeof to === "string" ? [to] : to;
          for (const id of ids) inbox(id).push(structuredClone(msg));
        },
      },
      env,
    ),
  );
  const say = (msg) => hub.receive(structuredClone(msg));
  const hello = (m, state = {}) => {
    inbox(m);
    say(Object.assign({ t: "hello", m, key: "k", url: URL_, options: {}, want: true, events: [], subs: [] }, state));
  };
  return { hub, client: hub.client, inbox, say, hello };
}

describe("Hub with fake members", () => {
  test("join: welcome with the hub's id and status; the first member that wants it connects the client", () => {
    const { client, inbox, hello } = hubWithInboxes();
    hello("m1", { want: false });
    assert.deepEqual(client.called("connect"), []);
    assert.deepEqual(inbox("m1"), [{ t: "welcome", to: "m1", hub: "w1", status: { state: "idle", id: undefined, transport: undefined, connected: false, buffered: 0, debug: "warn" } }]);
    hello("m2");
    hello("m3");
    assert.equal(client.called("connect").length, 1, "one connect for two members");
  });

  test("leave: the connection ends when no member wants it; bye and want:false both count", () => {
    const { client, say, hello } = hubWithInboxes();
    hello("m1");
    hello("m2");
    say({ t: "want", m: "m1", on: false });
    assert.deepEqual(client.called("disconnect"), []);
    say({ t: "bye", m: "m2" });
    assert.equal(client.called("disconnect").length, 1);
    say({ t: "want", m: "m1", on: true });
    assert.equal(client.called("connect").length, 2);
  });

  test("a message from an unknown member is ignored (its hello will carry its state)", () => {
    const { client, say } = hubWithInboxes();
    say({ t: "sub", m: "ghost", s: ["doctype", "ToDo"] });
    say({ t: "want", m: "ghost", on: true });
    assert.deepEqual(client.calls, []);
  });

  test("counts: a room is joined once for every member holding it, left after the last", () => {
    const { client, say, hello } = hubWithInboxes();
    hello("m1", { subs: [["doc_open", "ToDo", "TD-1"]] });
    hello("m2");
    say({ t: "sub", m: "m2", s: ["doc_open", "ToDo", "TD-1"] });
    say({ t: "sub", m: "m2", s: ["doc_open", "ToDo", "TD-1"] }); // a repeat changes nothing
    assert.deepEqual(client.called("subscribe"), [["doc_open", "ToDo", "TD-1"]]);
    say({ t: "bye", m: "m1" });
    assert.deepEqual(client.called("unsubscribe"), [], "m2 still holds it");
    say({ t: "unsub", m: "m2", s: ["doc_open", "ToDo", "TD-1"] });
    assert.deepEqual(client.called("unsubscribe"), [["doc_open", "ToDo", "TD-1"]]);
  });

  test("counts by room: task and progress of one id share task_progress:<id>, left only when neither is held", () => {
    const { client, say, hello } = hubWithInboxes();
    hello("m1", { subs: [["task", "t1"]] });
    hello("m2", { subs: [["progress", "t1"]] });
    assert.deepEqual(client.called("subscribe"), [
      ["task", "t1", undefined],
      ["progress", "t1", undefined],
    ]);
    // The core's unsubscribe leaves the room and forgets both: not while m1 holds task t1.
    say({ t: "bye", m: "m2" });
    assert.deepEqual(client.called("unsubscribe"), []);
    say({ t: "bye", m: "m1" });
    assert.deepEqual(client.called("unsubscribe"), [["task", "t1", undefined]]);
  });

  test("a repeated hello changes the member's state by difference: kept rooms are never left", () => {
    const { client, hello } = hubWithInboxes();
    hello("m1", { subs: [["doctype", "ToDo"], ["doc", "ToDo", "1"]], events: ["a", "b"] });
    hello("m1", { subs: [["doctype", "ToDo"], ["task", "t9"]], events: ["b", "c"] });
    assert.deepEqual(client.called("subscribe"), [
      ["doctype", "ToDo", undefined],
      ["doc", "ToDo", "1"],
      ["task", "t9", undefined],
    ]);
    assert.deepEqual(client.called("unsubscribe"), [["doc", "ToDo", "1"]]);
    assert.deepEqual(client.listened().filter((e) => !LIFECYCLE.includes(e)).sort(), ["b", "c"]);
  });

  test("listen / unlisten: the client listens while one member does; events go only to listeners, in one message", () => {
    const { client, inbox, say, hello } = hubWithInboxes();
    hello("m1");
    hello("m2");
    hello("m3");
    say({ t: "listen", m: "m1", event: "list_update" });
    say({ t: "listen", m: "m2", event: "list_update" });
    assert.equal(client.listeners.get("list_update").length, 1, "one listener on the client");
    const before = inbox("m3").length;
    client.fire("list_update", { doctype: "ToDo" });
    assert.deepEqual(inbox("m1").at(-1), { t: "ev", to: ["m1", "m2"], event: "list_update", args: [{ doctype: "ToDo" }] });
    assert.deepEqual(inbox("m2").at(-1), inbox("m1").at(-1));
    assert.equal(inbox("m3").length, before, "m3 does not listen");
    say({ t: "unlisten", m: "m1", event: "list_update" });
    assert.ok(client.listeners.has("list_update"), "m2 still listens");
    say({ t: "bye", m: "m2" });
    assert.equal(client.listeners.has("list_update"), false);
  });

  test("reserved names: never listened to on the client for a member", () => {
    const { client, say, hello } = hubWithInboxes();
    const lifecycle = client.listened().sort();
    assert.deepEqual(lifecycle, [...LIFECYCLE].sort(), "the hub's own lifecycle listeners");
    hello("m1", { events: ["connect", "error", "disconnecting", "x"] });
    say({ t: "listen", m: "m1", event: "dropped" });
    say({ t: "listen", m: "m1", event: "newListener" });
    assert.deepEqual(client.listened().filter((e) => !LIFECYCLE.includes(e)), ["x"]);
    for (const e of LIFECYCLE) assert.equal(client.listeners.get(e).length, 1, e);
  });

  test("lifecycle events: a `life` message with the status, to every member", () => {
    const { client, inbox, hello } = hubWithInboxes();
    hello("m1");
    hello("m2", { want: false });
    client.up("sock9");
    const err = Object.assign(new Error("Invalid origin"), { name: "ConnectError", type: "refused", hint: "h" });
    client.fire("connect_error", err);
    for (const m of ["m1", "m2"]) {
      const life = inbox(m).filter((x) => x.t === "life");
      assert.deepEqual(
        life.map((x) => x.event),
        ["connect", "connect_error"],
      );
      assert.equal(life[0].status.id, "sock9");
      assert.equal(life[0].status.connected, true);
      const e = unwire(life[1].args[0]);
      assert.ok(e instanceof Error);
      assert.deepEqual([e.name, e.message, e.type, e.hint], ["ConnectError", "Invalid origin", "refused", "h"]);
    }
    assert.equal(inbox("m1").filter((x) => x.t === "ev").length, 0, "no lifecycle event as a server event");
  });

  test("acks: each answer only to the member that emitted, by callback, promise, timeout; errors as errors", async () => {
    const { client, inbox, say, hello } = hubWithInboxes();
    hello("m1");
    hello("m2");
    say({ t: "emit", m: "m1", event: "echo", args: [1], ack: 1 });
    say({ t: "emit", m: "m2", event: "echo", args: [2], ack: 1, p: true });
    say({ t: "emit", m: "m2", event: "slow", args: [], ack: 2, p: true, timeout: 150 });
    say({ t: "emit", m: "m1", event: "plain", args: ["x"] });
    assert.deepEqual(
      client.emits.map((e) => [e.event, e.timeout]),
      [
        ["echo", undefined],
        ["echo", undefined],
        ["slow", 150],
        ["plain", undefined],
      ],
    );
    assert.deepEqual(client.emits[3].args, ["x"], "no ack: no callback added");
    client.emits[0].args.at(-1)("one", 1);
    client.emits[1].resolve("two");
    client.emits[2].reject(Object.assign(new Error("operation has timed out"), { name: "AckError" }));
    await settle();
    const acks = (m) => inbox(m).filter((x) => x.t === "ack");
    assert.deepEqual(acks("m1"), [{ t: "ack", to: "m1", id: 1, args: ["one", 1] }]);
    assert.deepEqual(acks("m2")[0], { t: "ack", to: "m2", id: 1, args: ["two"] });
    assert.deepEqual(unwire(acks("m2")[1].err).message, "operation has timed out");
  });

  test("a server event asking for an ack: the member's answer goes back once", () => {
    const { client, inbox, say, hello } = hubWithInboxes();
    hello("m1", { events: ["ask"] });
    const answers = [];
    client.fire("ask", "q", (...a) => answers.push(a));
    const ev = inbox("m1").at(-1);
    assert.deepEqual([ev.event, ev.args, typeof ev.sack], ["ask", ["q"], "number"]);
    say({ t: "sack", m: "m1", id: ev.sack, args: ["yes"] });
    say({ t: "sack", m: "m1", id: ev.sack, args: ["again"] });
    assert.deepEqual(answers, [["yes"]]);
  });

  test("now, debug: reconnect only while waiting; the level reaches the client and every member", () => {
    const { client, inbox, say, hello } = hubWithInboxes();
    hello("m1");
    say({ t: "now", m: "m1" });
    assert.deepEqual(client.called("reconnectNow"), [], "connecting: nothing to hurry");
    client.state = "reconnecting";
    say({ t: "now", m: "m1" });
    assert.equal(client.called("reconnectNow").length, 1);
    say({ t: "debug", m: "m1", level: "debug" });
    assert.equal(client.debug, "debug");
    assert.equal(inbox("m1").at(-1).status.debug, "debug");
  });

  test("liveness: a member seen gone (env.watch) is detached; onLeave hears it", () => {
    const gone = new Map();
    const left = [];
    const { client, hub, hello } = hubWithInboxes({ watch: (id, f) => gone.set(id, f), onLeave: (id) => left.push(id) });
    hello("m1", { subs: [["doctype", "ToDo"]] });
    assert.deepEqual([...gone.keys()], ["m1"]);
    gone.get("m1")();
    assert.deepEqual(left, ["m1"]);
    assert.equal(hub.members.size, 0);
    assert.deepEqual(client.called("unsubscribe"), [["doctype", "ToDo", undefined]]);
    assert.equal(client.called("disconnect").length, 1);
  });

  test("linger: a hub left empty closes after `linger` ms, unless a member says hello first", () => {
    const clock = fakeClock();
    let closed = 0;
    const { hub, client, say, hello } = hubWithInboxes({ linger: 2000, timers: clock, onClose: () => closed++ });
    hello("m1");
    say({ t: "bye", m: "m1" });
    clock.advance(1999);
    hello("m2"); // a reload: the same tab comes back
    clock.advance(5000);
    assert.equal(hub.closed, false);
    say({ t: "bye", m: "m2" });
    clock.advance(2000);
    assert.equal(hub.closed, true);
    assert.equal(closed, 1);
    assert.deepEqual(client.called("close"), [[]]);
    // A closed hub takes no message.
    hello("m3");
    assert.equal(client.called("connect").length, 2);
  });

  test("wire / unwire: an Error crosses as a plain object and comes back with its fields", () => {
    const e = Object.assign(new Error("x"), { name: "TransportError", data: { code: 1 } });
    const back = unwire(structuredClone(wire(e)));
    assert.deepEqual([back.name, back.message, back.data, "type" in back], ["TransportError", "x", { code: 1 }, false]);
    assert.equal(wire(5), 5);
    assert.equal(unwire("s"), "s");
  });
});

/**
 * Real members (SharedRealtimeClient) linked to hubs by a fake channel (`own.start`):
 * messages are structured-cloned and delivered on a microtask, as postMessage does.
 * `newHub(id)` starts a hub and links every member to it (their hello); `killHub()`
 * closes the current one and tells every member it is gone (what the hub's Web Lock
 * tells them in a browser).
 */
function network(clock) {
  const links = [];
  let hub = null;
  const post = (f) => (msg) => {
    const copy = structuredClone(msg);
    queueMicrotask(() => f(copy));
  };
  const attach = (link) => {
    const h = hub;
    link.attach(post((msg) => h.receive(msg)));
  };
  const net = {
    member(options = {}) {
      return new SharedRealtimeClient(URL_, options, {
        RealtimeClient: FakeClient,
        clock,
        start(link) {
          links.push(link);
          if (hub) attach(link);
        },
      });
    },
    newHub(id) {
      hub = new Hub({
        id,
        makeClient: () => new FakeClient(URL_, { autoConnect: false }),
        send(to, msg) {
          for (const link of links) {
            if (to === "*" || to === link.id || (Array.isArray(to) && to.includes(link.id))) post(link.receive)(msg);
          }
        },
      });
      for (const link of links) attach(link);
      return hub;
    },
    killHub() {
      hub.close();
      hub = null;
      for (const link of links) link.lost();
    },
  };
  return net;
}

describe("Hub with SharedRealtimeClient members", () => {
  test("a member shows the shared connection; connect is per member", async () => {
    const net = network();
    const hub = net.newHub("h1");
    const a = net.member();
    const b = net.member({ autoConnect: false });
    const seen = [];
    a.on("connect", () => seen.push("a connect"));
    b.on("connect", () => seen.push("b connect"));
    await settle();
    assert.equal(a.shared.hub, "h1");
    assert.equal(b.state, "idle");
    hub.client.up("sock1");
    await settle();
    assert.deepEqual(seen, ["a connect"]);
    assert.deepEqual([a.connected, a.id, a.transport, b.connected, b.id], [true, "sock1", "websocket", false, undefined]);
    b.connect();
    await settle();
    assert.deepEqual(seen, ["a connect", "b connect"]);
    assert.equal(b.id, "sock1");
  });

  test("acks: callback, promise and timeout callback reach the emitting member", async () => {
    const net = network();
    const hub = net.newHub("h1");
    const a = net.member();
    const b = net.member();
    await settle();
    const got = [];
    a.emit("echo", "cb", (...r) => got.push(["a cb", ...r]));
    const p = b.emitWithAck("echo", "p");
    b.timeout(500).emit("echo", "t", (err, ...r) => got.push(["b timed", err, ...r]));
    await settle();
    const emits = hub.client.emits;
    assert.deepEqual(
      emits.map((e) => [e.event, e.timeout, e.args.filter((x) => typeof x !== "function")]),
      [
        ["echo", undefined, ["cb"]],
        ["echo", undefined, ["p"]],
        ["echo", 500, ["t"]],
      ],
    );
    emits[0].args.at(-1)("A");
    emits[1].resolve("P");
    emits[2].args.at(-1)(null, "T");
    assert.equal(await p, "P");
    await settle();
    assert.deepEqual(got, [
      ["a cb", "A"],
      ["b timed", null, "T"],
    ]);
  });

  test("takeover: the hub goes away, pending acks fail, members show disconnect, then hello a new hub with their whole state", async () => {
    const net = network();
    const h1 = net.newHub("h1");
    const a = net.member();
    const b = net.member();
    a.subscribe("doc_open", "ToDo", "TD-1").on("list_update", () => {});
    b.subscribe("doc_open", "ToDo", "TD-1").subscribe("doctype", "Note");
    await settle();
    h1.client.up("old");
    await settle();
    const log = [];
    a.on("disconnect", (r) => log.push(["a disconnect", r]));
    a.on("connect", () => log.push(["a connect", a.id]));
    const pending = a.emitWithAck("never");
    const timed = [];
    a.timeout(9000).emit("never", (err) => timed.push(err && err.message));
    const untimed = [];
    a.emit("never", () => untimed.push("called"));
    await settle();

    net.killHub();
    await assert.rejects(pending, { name: "AckError", message: "socket has been disconnected" });
    assert.deepEqual(timed, ["socket has been disconnected"]);
    assert.deepEqual(untimed, [], "a callback without timeout is never called with an error");
    assert.deepEqual(log, [["a disconnect", "transport close"]]);
    assert.deepEqual([a.connected, a.state], [false, "reconnecting"]);

    // Emitted while no hub is known: buffered, sent to the next hub.
    a.emit("while_away", 1);
    assert.equal(a.buffered, 1);
    const h2 = net.newHub("h2");
    await settle();
    assert.equal(a.buffered, 0);
    assert.deepEqual(h2.client.called("subscribe"), [
      ["doc_open", "ToDo", "TD-1"],
      ["doctype", "Note", undefined],
    ]);
    assert.deepEqual(h2.client.listened().filter((e) => !LIFECYCLE.includes(e)), ["list_update"]);
    assert.equal(h2.client.called("connect").length, 1);
    assert.deepEqual(h2.client.emits.map((e) => e.event), ["while_away"]);
    h2.client.up("new");
    await settle();
    assert.deepEqual(log.at(-1), ["a connect", "new"]);
    assert.equal(b.id, "new");
  });

  test("counts across members: two hold a room, one leaves, the room stays; the client saw one subscribe", async () => {
    const net = network();
    const hub = net.newHub("h1");
    const a = net.member();
    const b = net.member();
    a.subscribe("doc", "ToDo", "1");
    b.subscribe("doc", "ToDo", 1);
    await settle();
    a.close();
    await settle();
    assert.deepEqual(hub.client.called("subscribe"), [["doc", "ToDo", "1"]]);
    assert.deepEqual(hub.client.called("unsubscribe"), []);
    b.unsubscribe("doc", "ToDo", "1");
    await settle();
    assert.deepEqual(hub.client.called("unsubscribe"), [["doc", "ToDo", "1"]]);
  });

  test("listen / unlisten follow the member's listeners; server events reach only listening members", async () => {
    const net = network();
    const hub = net.newHub("h1");
    const a = net.member();
    const b = net.member();
    const got = [];
    const fa = (x) => got.push(["a", x]);
    a.on("notify", fa);
    b.once("notify", (x) => got.push(["b", x]));
    a.on("connect", () => {}); // a lifecycle name: not forwarded as a listen
    await settle();
    assert.deepEqual(hub.client.listened().filter((e) => !LIFECYCLE.includes(e)), ["notify"]);
    hub.client.fire("notify", 1);
    await settle();
    hub.client.fire("notify", 2);
    await settle();
    assert.deepEqual(got, [
      ["a", 1],
      ["b", 1],
      ["a", 2],
    ]);
    a.off("notify", fa);
    await settle();
    assert.equal(hub.client.listeners.has("notify"), false, "b's once-listener is gone too");
  });

  test("lifecycle: `life` reaches lifecycle listeners; a forwarded server event with a reserved name reaches nobody (warned)", async (t) => {
    const warn = t.mock.method(console, "warn", () => {});
    const net = network();
    const hub = net.newHub("h1");
    const a = net.member();
    const got = [];
    for (const e of ["error", "reconnect_attempt", "connect", "disconnecting"]) a.on(e, (...x) => got.push([e, ...x]));
    a.on("x", (...x) => got.push(["x", ...x]));
    await settle();
    hub.client.fire("reconnect_attempt", 3);
    await settle();
    assert.deepEqual(got, [["reconnect_attempt", 3]]);
    // What a hub that forwarded them would send (defence in depth: ours never does).
    for (const event of ["error", "connect", "disconnecting", "x"]) {
      hub._env.send("*", { t: "ev", to: "*", event, args: ["from server"] });
    }
    await settle();
    assert.deepEqual(got, [
      ["reconnect_attempt", 3],
      ["x", "from server"],
    ]);
    assert.equal(warn.mock.callCount(), 3);
    assert.match(warn.mock.calls[0].arguments[0], /"error" \(a reserved name\) was not delivered/);
  });

  test("the member's buffer honours bufferMaxCount / bufferOverflow; a dropped emit's ack fails as the client's does", async (t) => {
    t.mock.method(console, "warn", () => {});
    const net = network();
    const a = net.member({ bufferMaxCount: 2, bufferOverflow: "drop-newest" });
    const dropped = [];
    a.on("dropped", (d) => dropped.push(d));
    a.emit("one");
    a.emit("two");
    const third = a.emitWithAck("three");
    await assert.rejects(third, { name: "AckError", message: "dropped emit three: buffer full" });
    assert.deepEqual(dropped, [{ event: "three", reason: "buffer full" }]);
    assert.equal(a.buffered, 2);
    const hub = net.newHub("h1");
    await settle();
    assert.deepEqual(hub.client.emits.map((e) => e.event), ["one", "two"]);
  });

  test("the member's buffer honours bufferMaxAge (fake clock): expired emits are dropped, never sent", async (t) => {
    t.mock.method(console, "warn", () => {});
    const clock = fakeClock();
    const net = network(clock);
    const a = net.member({ bufferMaxAge: 1000 });
    const dropped = [];
    a.on("dropped", (d) => dropped.push(d));
    const old = a.emitWithAck("old");
    clock.advance(600);
    a.emit("young");
    clock.advance(400);
    await assert.rejects(old, { message: "dropped emit old: expired" });
    assert.deepEqual(dropped, [{ event: "old", reason: "expired" }]);
    const hub = net.newHub("h1");
    await settle();
    assert.deepEqual(hub.client.emits.map((e) => e.event), ["young"]);
  });

  test("a member checks emits and rooms before posting (rules.js), with the client's messages", () => {
    const net = network();
    const a = net.member();
    assert.throws(() => a.emit("connect"), { name: "TypeError", message: "frappe-realtime: event name is reserved" });
    assert.throws(() => a.emit("e", { f() {} }), { message: "frappe-realtime: arguments cannot be serialised: function" });
    assert.throws(() => a.subscribe("room", "x"), { message: "frappe-realtime: subscription kind must be doctype, doc, doc_open, task or progress" });
    assert.throws(() => a.subscribe("doc", "ToDo"), { message: "frappe-realtime: subscription arguments must be non-empty strings" });
    return assert.rejects(a.emitWithAck(""), { message: "frappe-realtime: event name must be a non-empty string" });
  });

  test("SharedRealtimeClient needs the RealtimeClient class (it never imports www/client.js)", () => {
    assert.throws(() => new SharedRealtimeClient(URL_, {}), { name: "TypeError", message: /needs the RealtimeClient class/ });
  });

  test("solo mode (no SharedWorker, no Web Locks, as in Node): the member runs its own hub over the class it was given", async () => {
    const a = new SharedRealtimeClient(URL_, { shared: true, reconnectionDelay: 50 }, { RealtimeClient: FakeClient });
    await a.ready;
    assert.equal(a.role, "solo");
    const [c] = FakeClient.made;
    assert.deepEqual([c.url, c.options], [URL_, { reconnectionDelay: 50, autoConnect: false }]);
    assert.equal(c.called("connect").length, 1);
    a.close();
    assert.deepEqual(c.called("close"), [[]]);
  });
});
