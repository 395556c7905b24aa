// A Desk tab that lives long (tests/e2e/desk-rooms.test.js): real jQuery (from npm, as
// Desk ships it), Desk's globals (desk-setup.js minus its jQuery stand-in), `locals`,
// frappe.model.remove_from_locals, a router that reports route changes, and one form
// that shows document after document firing the form events in form.js's order:
//
// - refresh(docname): switch_doc, then trigger_onload: the first time a document is shown
//   in the form (`opendocs`), `form-load` and a handler on the page wrapper's `hide` that
//   triggers `form-unload`; then render_form: `form-refresh`;
// - a document shown again (still in `opendocs`) only gets `form-refresh`;
// - model.js remove_from_locals forgets the document and its `opendocs` entry, so showing
//   it again loads it afresh (`form-load`).
//
// Recorded calls go to window.__log (desk-setup.js), doc_update / list_update / viewers
// to window.__events.
(function () {
  "use strict";
  var frappe = window.frappe;
  window.__events = [];
  window.locals = {};

  // The router: frappe.get_route() and an emitter of "change" (router.js `trigger("change")`).
  var route = ["Workspaces", "Home"];
  var routeHandlers = [];
  frappe.get_route = function () {
    return route;
  };
  frappe.router = {
    on: function (event, fn) {
      if (event === "change") routeHandlers.push(fn);
      return this;
    },
  };
  window.setRoute = function (r) {
    route = r;
    routeHandlers.forEach(function (fn) {
      fn();
    });
  };

  frappe.model = {
    remove_from_locals: function (doctype, name) {
      __log.push(["remove_from_locals", doctype, name]);
      if (locals[doctype]) delete locals[doctype][name];
      if (form.opendocs) delete form.opendocs[name];
    },
  };

  // One form (frappe.ui.form.Form) for `doctype`, on a page whose wrapper is a real element.
  var wrapper = document.createElement("div");
  document.body.appendChild(wrapper);
  var form = (window.form = {
    doctype: "ToDo",
    docname: "",
    doc: null,
    opendocs: {},
    is_new: function () {
      return false;
    },
  });

  /** The form shows `name` (Desk's with_doc has put it in locals first). */
  window.showDoc = function (name) {
    locals.ToDo = locals.ToDo || {};
    if (!locals.ToDo[name]) locals.ToDo[name] = { doctype: "ToDo", name: name, modified: "1" };
    setRoute(["Form", "ToDo", name]);
    form.docname = name;
    form.doc = locals.ToDo[name];
    window.cur_frm = form;
    if (!form.opendocs[name]) {
      $(document).trigger("form-load", [form]);
      $(wrapper).on("hide", function () {
        $(document).trigger("form-unload", [form]);
      });
      form.opendocs[name] = true;
    }
    $(document).trigger("form-refresh", [form]);
  };

  /** Desk leaves the form's page (another page is shown): its wrapper gets `hide`. */
  window.hideForm = function () {
    $(wrapper).trigger("hide");
  };

  /** A list view shown: list_view.js setup_realtime_updates. */
  window.showList = function (doctype) {
    setRoute(["List", doctype, "List"]);
    frappe.socketio.doctype_subscribe(doctype);
  };

  window.listen = function () {
    ["doc_update", "list_update", "doc_viewers"].forEach(function (event) {
      frappe.realtime.on(event, function (data) {
        __events.push([event, data]);
      });
    });
  };
})();
