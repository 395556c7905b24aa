// First script of the security test pages (tests/e2e/security.test.js): an external
// classic file, so that the pages work under a strict Content-Security-Policy. It records
// what the tests assert on: CSP violations (from the first script on), the events a
// listener saw, DOM changes once watched, and the Frappe hooks the facade calls
// (frappe.msgprint, frappe.show_progress, frappe.request.cleanup). Test code only.
(function () {
  "use strict";
  var log = (window.__log = []);
  window.seen = function (name) {
    return log.filter(function (e) {
      return e[0] === name;
    });
  };
  /** Records every call of `event` on `target` (frappe.realtime by default). */
  window.record = function (event, target) {
    var fn = function () {
      log.push([event].concat(Array.prototype.slice.call(arguments)));
    };
    (target || window.frappe.realtime).on(event, fn);
    return fn;
  };
  /** The ESM exports (security-app.js) or the script-tag build's window.FrappeRealtime. */
  window.lib = function () {
    return window.FR || window.FrappeRealtime;
  };

  window.__csp = [];
  document.addEventListener("securitypolicyviolation", function (e) {
    window.__csp.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample, source: e.sourceFile });
  });

  // DOM changes after watchDom(): a client that turned data into markup would add nodes.
  window.__dom = [];
  window.watchDom = function () {
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        window.__dom.push(r.type + " " + (r.target.nodeName || "") + " " + (r.attributeName || r.addedNodes.length));
      });
    }).observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
  };

  var frappe = (window.frappe = window.frappe || {});
  frappe.boot = frappe.boot || {};
  frappe.msgprint = function (m) {
    log.push(["msgprint", m]);
  };
  frappe.show_progress = function () {
    log.push(["show_progress"].concat(Array.prototype.slice.call(arguments)));
  };
  frappe.request = {
    cleanup: function (opts, data) {
      log.push(["request.cleanup", typeof opts, opts === Object || opts === Object.prototype, data && data.task_id]);
    },
  };
  var extra = new URLSearchParams(location.search).get("options");
  if (extra) frappe.boot.realtime_options = JSON.parse(extra);
})();
