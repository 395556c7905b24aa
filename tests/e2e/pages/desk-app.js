// What runs after the app_include_js scripts in a Desk page (tests/e2e/desk.test.js):
// first, synchronously, a record of what the script-tag build installed on load (the
// wasm module is not instantiated yet); then Desk's startup on document ready, which
// calls frappe.realtime.init() without arguments like frappe.Application.startup().
// `?manual=1` leaves init to the test. An external file for the strict-CSP page.
(function () {
  "use strict";
  var rt = window.frappe.realtime;
  window.__sync = {
    ours: !!(rt && rt[Symbol.for("frappe-realtime")]),
    socketio_is_realtime: window.frappe.socketio === rt,
    members: [
      "init", "get_host", "connect", "on", "off", "emit", "publish", "subscribe",
      "task_subscribe", "task_unsubscribe", "doctype_subscribe", "doctype_unsubscribe",
      "doc_subscribe", "doc_unsubscribe", "doc_open", "doc_close", "process_response",
    ].filter(function (m) {
      return typeof rt[m] !== "function";
    }),
    extra_kept: rt.frappe_own_extra,
    global: typeof window.FrappeRealtime === "object" && typeof window.FrappeRealtime.RealtimeClient,
    version: window.FrappeRealtime && window.FrappeRealtime.version,
  };
  var manual = new URLSearchParams(location.search).get("manual");
  $(document).ready(function () {
    if (!manual) {
      // frappe.Application.startup(): the first thing it does.
      frappe.realtime.init();
      // Desk code registers listeners right after, before the wasm module may be ready.
      frappe.realtime.on("connect", function () {
        __log.push(["connect"]);
      });
    }
    window.__desk_started = true;
  });
})();
