// End-to-end: the package's wasm loader (scripts/glue-generations.js replaces
// wasm-bindgen's with a smaller one) takes every source wasm-bindgen's took, in headless
// Chromium: nothing (the .wasm beside the glue), a URL string or URL, a Response (also
// with a Content-Type that is not application/wasm), a promise of one, the bytes, a
// compiled WebAssembly.Module, the deprecated bare argument; a failed fetch rejects with
// the status and can be retried; `initSync` takes a Module or bytes. Each case loads the
// glue afresh in its own page. The static files come from the hostile suite's server
// (tests/server/hostile.js), used here only to serve pkg/.
//
//   node --test tests/e2e/loader.test.js

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, newPage } from "./harness.js";
import { startHostile } from "../server/hostile.js";

const WASM = "/pkg/frappe_realtime_bg.wasm";

describe("the wasm loader", () => {
  let h;
  let browser;
  let ctx;

  before(async () => {
    h = await startHostile();
    browser = await launchBrowser();
    ctx = await browser.newContext();
  });

  after(async () => {
    if (browser) await browser.close();
    if (h) await h.close();
  });

  /** Loads the glue in a fresh page and runs `body` (a function of the glue module and
   *  the wasm URL, run in the page) on it; returns its result and the console warnings. */
  async function inPage(body) {
    const page = await newPage(ctx);
    const warnings = [];
    page.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
    // Any page of the origin: the glue is imported by the evaluated code.
    await page.goto(h.url + "/pkg/index.js");
    const result = await page.evaluate(
      async ([body, wasm]) => {
        const glue = await import("/pkg/frappe_realtime.js");
        // eslint-disable-next-line no-new-func
        return await new Function("glue", "wasm", `return (${body})(glue, wasm)`)(glue, wasm);
      },
      [body.toString(), WASM],
    );
    await page.close();
    return { result, warnings };
  }

  // Each source, then a call into the module (engineProtocol() is 4: Engine.IO v4).
  for (const [name, body] of [
    ["nothing: the .wasm beside the glue", async (g) => (await g.default(), g.engineProtocol())],
    ["a URL string", async (g, wasm) => (await g.default({ module_or_path: wasm }), g.engineProtocol())],
    ["a URL", async (g, wasm) => (await g.default({ module_or_path: new URL(wasm, location.href) }), g.engineProtocol())],
    ["a Request", async (g, wasm) => (await g.default({ module_or_path: new Request(wasm) }), g.engineProtocol())],
    ["a Response", async (g, wasm) => (await g.default({ module_or_path: await fetch(wasm) }), g.engineProtocol())],
    ["a promise of a Response", async (g, wasm) => (await g.default({ module_or_path: fetch(wasm) }), g.engineProtocol())],
    [
      "a Response whose Content-Type is not application/wasm",
      async (g, wasm) => {
        const bytes = await (await fetch(wasm)).arrayBuffer();
        await g.default({ module_or_path: new Response(bytes, { headers: { "Content-Type": "application/octet-stream" } }) });
        return g.engineProtocol();
      },
    ],
    ["the bytes", async (g, wasm) => (await g.default({ module_or_path: new Uint8Array(await (await fetch(wasm)).arrayBuffer()) }), g.engineProtocol())],
    ["a compiled module", async (g, wasm) => (await g.default({ module_or_path: await WebAssembly.compileStreaming(fetch(wasm)) }), g.engineProtocol())],
    ["the deprecated bare argument", async (g, wasm) => (await g.default(wasm), g.engineProtocol())],
    ["initSync with a module", async (g, wasm) => (g.initSync({ module: await WebAssembly.compileStreaming(fetch(wasm)) }), g.engineProtocol())],
    ["initSync with bytes", async (g, wasm) => (g.initSync({ module: await (await fetch(wasm)).arrayBuffer() }), g.engineProtocol())],
    [
      "init twice: the second resolves with the same instance",
      async (g) => {
        const [a, b] = await Promise.all([g.default(), g.default()]);
        return a === b && a === (await g.default()) ? g.engineProtocol() : "different instances";
      },
    ],
  ]) {
    test(`loads from ${name}`, async () => {
      const { result, warnings } = await inPage(body);
      assert.equal(result, 4);
      assert.deepEqual(warnings, [], "no console warning");
    });
  }

  test("a failed fetch rejects with its status, and a later init with a good source works", async () => {
    const { result } = await inPage(async (g, wasm) => {
      let message = "resolved";
      try {
        await g.default({ module_or_path: "/pkg/missing.wasm" });
      } catch (e) {
        message = e.message;
      }
      await g.default({ module_or_path: wasm });
      return [message, g.engineProtocol()];
    });
    assert.match(result[0], /^frappe-realtime: cannot fetch the wasm module: HTTP 404 http:\/\/127\.0\.0\.1:\d+\/pkg\/missing\.wasm$/);
    assert.equal(result[1], 4);
  });
});
