// The debug log's room diagnostics (frappe.realtime with `debug: "debug"`), loaded on
// demand by www/frappe-realtime.js, never by a page that does not debug: it asks the web
// server the question the realtime server asks before it joins a doctype / doc room
// (has_permission), because a refusal is silent on the socket.

// @ts-check

/**
 * Logs whether the web server lets the user into the room `kind` `doctype` `name` joins.
 * @param {{fetch: typeof fetch}} win where `fetch` comes from
 * @param {string} kind
 * @param {string} doctype
 * @param {string} [name]
 */
export function checkPermission(win, kind, doctype, name) {
  const q = "?doctype=" + encodeURIComponent(doctype) + "&name=" + encodeURIComponent(name || "");
  const what = "frappe.realtime: " + kind + " " + doctype + (name ? " " + name : "") + ": ";
  win
    .fetch("/api/method/frappe.realtime.has_permission" + q, { credentials: "same-origin" })
    .then(async (/** @type {Response} */ r) => {
      const body = await r.json().catch(() => ({}));
      if (body.message) console.debug(what + "has_permission allowed");
      else
        console.warn(
          what + "has_permission did not allow it (HTTP " + r.status + (body._error_message ? ": " + body._error_message : "") +
            "): the realtime server then joins no room and sends no error",
        );
    })
    .catch((/** @type {unknown} */ e) => console.warn(what + "has_permission could not be checked: " + e));
}
