// The Desk globals the script-tag build meets in a Frappe page (tests/e2e/desk.test.js),
// set up the way Frappe's page template and bundles leave them before an app's
// app_include_js runs: frappe.boot (from /__test/boot.js: sitename, socketio_port,
// window.dev_server), frappe.msgprint, frappe.show_progress, frappe.request.cleanup,
// __, flt, a jQuery-like $(document).on / .trigger for the form events (unless the page
// loaded the real jQuery), and Frappe's own
// RealTimeClient instance, created by desk.bundle.js but not connected until Desk's
// startup calls init(). Recorded calls go to window.__log. An external file, so that
// the strict-CSP variant of the page can use it too.
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  var log = (window.__log = []);
  window.seen = function (name) {
    return log.filter(function (e) {
      return e[0] === name;
    });
  };

  // CSP violations, for the strict-CSP page.
  window.__csp = [];
  document.addEventListener("securitypolicyviolation", function (e) {
    window.__csp.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample });
  });

  var frappe = (window.frappe = window.frappe || {});
  frappe.boot = frappe.boot || {};
  if (params.get("disable_async")) frappe.boot.disable_async = 1;
  if (params.get("shared")) frappe.boot.realtime_options = { shared: true };
  frappe.msgprint = function (message) {
    log.push(["msgprint", message]);
  };
  frappe.show_progress = function (title, count, total, description, hide_on_completion) {
    log.push(["show_progress", title, count, total, description, hide_on_completion]);
  };
  frappe.request = {
    cleanup: function (opts, data) {
      log.push(["request.cleanup", Object.keys(opts).sort(), data.task_id]);
    },
  };
  frappe.flags = {};
  window.__ = function (text) {
    return "«" + text + "»";
  };
  window.flt = function (value) {
    return parseFloat(value) || 0;
  };

  // A jQuery stand-in: what socketio_client.js uses of jQuery, $(document).on(events, fn)
  // with space-separated event names, and what Desk's forms do, .trigger(event, [frm]).
  var registry = [];
  function handlersOf(target) {
    for (var i = 0; i < registry.length; i++) if (registry[i].target === target) return registry[i].events;
    var events = {};
    registry.push({ target: target, events: events });
    return events;
  }
  function $(target) {
    var events = handlersOf(target);
    var api = {
      on: function (names, fn) {
        names.split(/\s+/).forEach(function (name) {
          (events[name] = events[name] || []).push(fn);
        });
        return api;
      },
      trigger: function (name, args) {
        var extra = args === undefined ? [] : Array.isArray(args) ? args : [args];
        (events[name] || []).slice().forEach(function (fn) {
          fn.apply(target, [{ type: name, target: target }].concat(extra));
        });
        return api;
      },
      ready: function (fn) {
        if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
        else setTimeout(fn);
        return api;
      },
    };
    return api;
  }
  // (desk-form.html loads the real jQuery first.)
  if (!window.jQuery) window.$ = window.jQuery = $;

  // A Desk form as the form events pass it (frm.doctype, frm.docname, frm.doc, frm.is_new()).
  window.makeForm = function (doctype, docname, isNew) {
    return {
      doctype: doctype,
      docname: docname,
      doc: { doctype: doctype, name: docname },
      is_new: function () {
        return !!isNew;
      },
    };
  };

  // Frappe's own client as desk.bundle.js leaves it: an instance without a socket,
  // aliased as frappe.socketio. The drop-in must replace it before Desk calls init().
  frappe.realtime = {
    open_tasks: {},
    open_docs: new Set(),
    init: function () {
      log.push(["frappe's own init"]);
    },
    on: function () {
      log.push(["frappe's own on"]);
    },
    frappe_own_extra: "kept",
  };
  // ?own_connected=1: an app loaded earlier already called Frappe's init().
  if (params.get("own_connected")) frappe.realtime.socket = { connected: true, own: true };
  frappe.socketio = frappe.realtime;
})();
