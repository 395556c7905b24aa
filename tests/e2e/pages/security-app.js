// The ESM package as an app imports it (tests/e2e/security.test.js): a module script from
// the site's origin, no inline code. It installs frappe.realtime. By default it creates no
// client and does not load the wasm module, so that a test can call a client before it is
// ready. With ?start=facade or ?start=client (&doc=, &url=) the page itself starts and uses
// the client, as an app would: code run from the test's page.evaluate is exempt from the
// page's CSP eval checks, code run by the page is not.
import * as FR from "/assets/frappe-realtime/pkg/index.js";

window.FR = FR;
FR.install(window);

const params = new URLSearchParams(location.search);
const doc = params.get("doc");
if (params.get("start") === "facade") {
  const rt = window.frappe.realtime;
  rt.init(window.frappe.boot.socketio_port);
  window.record("doc_update");
  window.record("list_update");
  rt.on("connect", () => rt.emit("page_emit", { doc }));
  rt.doc_subscribe("ToDo", doc);
  rt.doctype_subscribe("ToDo");
} else if (params.get("start") === "client") {
  const c = (window.__c = new FR.RealtimeClient(params.get("url") || window.__frappe_test_env.socketUrl));
  window.record("doc_update", c);
  c.on("connect_error", (e) => window.__log.push(["connect_error", e.name, e.message]));
  c.on("connect", () => c.emit("page_emit", { doc }));
  c.subscribe("doc", "ToDo", doc);
}
window.__module = true;
