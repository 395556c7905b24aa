// The options object's rules: what `new RealtimeClient(url, options)` accepts, checked
// here, in the constructor, before anything else happens (before the wasm module is
// there, too), and handed to the core as one array in the seam's order.
//
// The names and their types come from the Rust core (src/protocol/options.rs `OPTIONS`,
// generated into www/seam.js); the core applies the values (src/protocol/options.rs
// `parse`) and trusts that they passed here. The options are checked in the order of
// OPTION_NAMES, each for its type, then its value; the first problem is a TypeError whose
// message names the option (socket.io-client's names; `auth` is not called an option,
// as in socket.io-client's message).
//
// Nothing here runs at import time, so a bundle keeps only what it uses.

// @ts-check

import { LOG_LEVELS, OPTION_KINDS, OPTION_NAMES } from "./seam.js";

/** The `typeof` of the scalar kinds (OPTION_KINDS' letters).
 *  @type {Record<string, string>} */
const TYPES = { b: "boolean", n: "number", s: "string" };

/** What a value of the other kinds must be, for the messages (`a boolean`, … for the
 *  scalar ones).
 *  @type {Record<string, string>} */
const EXPECTED = { l: "an array of strings", m: "an object of strings", o: "a plain object" };

/** The options whose value is one of a list, with the message of any other.
 *  @type {Record<string, [unknown[], string]>} */
const ONE_OF = {
  transports: [["polling", "websocket"], 'transports may only list "polling" and "websocket"'],
  bufferOverflow: [["drop-oldest", "drop-newest"], 'bufferOverflow must be "drop-oldest" or "drop-newest"'],
  debug: [[...LOG_LEVELS, "true", "false"], "debug must be off, error, warn, info or debug"],
};

/** Throws the TypeError of a bad argument (the package's prefix, then `message`); also
 *  rules.js's.
 *  @type {(message: string) => never} */
export const fail = (message) => {
  throw new TypeError("frappe-realtime: " + message);
};

/**
 * The options, checked, as the core reads them: one entry per OPTION_NAMES, `undefined`
 * when not given; a boolean given for a string is its name (`debug: true`); `transports`
 * as the initials of its names (`"wp"`), `query` as URL text (`"a=1&b=x%20y"`, encoded
 * as socket.io-client encodes it), the other objects (`extraHeaders`, `auth`) as their
 * JSON text. Throws a TypeError for the first option, in OPTION_NAMES' order, whose
 * type or value the client does not take.
 * @param {unknown} o the application's options (undefined, null or an object)
 * @returns {(boolean | number | string | undefined)[]}
 */
export function readOptions(o) {
  if (o != null && typeof o != "object") fail("options must be an object");
  return OPTION_NAMES.map((name, i) => {
    const kind = OPTION_KINDS[i];
    let v = /** @type {Record<string, unknown> | undefined} */ (o)?.[name];
    /** @type {string | undefined} */
    let j;
    if (v == null) return undefined;
    if (kind == "s" && typeof v == "boolean") v = String(v);
    if (typeof v == "object" && "lmo".includes(kind)) {
      try {
        j = JSON.stringify(v);
      } catch {}
    }
    // An array or object as the server would read it: its JSON text's items.
    const items = !!j && j[0] == (kind == "l" ? "[" : "{") && Object.values(JSON.parse(j));
    if (!(typeof v == TYPES[kind] || (items && (kind == "o" || items.every((s) => typeof s == "string"))))) {
      fail((kind == "o" ? "" : "option ") + name + " must be " + (EXPECTED[kind] || "a " + TYPES[kind]));
    }
    const rule = ONE_OF[name];
    if (rule && !(items || [v]).every((s) => rule[0].includes(s))) fail(rule[1]);
    const factor = name == "randomizationFactor";
    if (typeof v == "number" && name != "ackTimeout" && !(name == "reconnectionAttempts" && v == Infinity) && !(factor ? v >= 0 && v <= 1 : Number.isFinite(v) && v >= 0)) {
      fail(name + (factor ? " must be between 0 and 1" : " must be a finite number >= 0"));
    }
    if (kind == "l") return /** @type {string[]} */ (items).map((s) => s[0]).join("");
    if (name == "query") return Object.entries(JSON.parse(/** @type {string} */ (j))).map((e) => e.map(encodeURIComponent).join("=")).join("&");
    return /** @type {boolean | number | string} */ (j || v);
  });
}

/** The index of option `name` in OPTION_NAMES. @param {string} name */
export const at = (name) => OPTION_NAMES.indexOf(name);
