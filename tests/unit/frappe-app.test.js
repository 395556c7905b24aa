// frappe-app/ (the companion Frappe app) without Frappe: its Python side as Frappe would
// call it — the `boot_session` hook named in hooks.py resolved by its dotted path and
// called with a bootinfo — and the metadata `bench` and pip read. Its realtime handler
// is tested against servers (tests/e2e/join-acks.test.js, tests/upstream/). Skipped,
// with the reason, where no python3 is on the PATH.

import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const APP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../frappe-app");
const PYTHON = spawnSync("python3", ["--version"]).status === 0 ? "python3" : null;

// Resolves hooks.boot_session as frappe.get_attr does (module path, then attribute) and
// calls it on bootinfos shaped like Frappe's (a dict subclass with attribute access, as
// frappe._dict), printing what each became.
const SCRIPT = `
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
import realtime_acks, realtime_acks.hooks as hooks

class _dict(dict):
    __getattr__ = dict.get
    __setattr__ = dict.__setitem__

module, attr = hooks.boot_session.rsplit(".", 1)
hook = getattr(importlib.import_module(module), attr)
out = []
for given in ({}, {"realtime_options": {"shared": True}}, {"realtime_options": None}):
    boot = _dict(given)
    hook(boot)
    out.append(boot)
print(json.dumps({"app_name": hooks.app_name, "version": realtime_acks.__version__, "boots": out}))
`;

test("the boot_session hook hooks.py names turns joinAcks on and keeps the other realtime options", { skip: PYTHON ? false : "no python3 on the PATH" }, () => {
    const r = spawnSync(PYTHON, ["-c", SCRIPT, APP], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.app_name, "realtime_acks");
    assert.match(out.version, /^\d+\.\d+\.\d+$/);
    assert.deepEqual(out.boots, [
        { realtime_options: { joinAcks: true } },
        { realtime_options: { shared: true, joinAcks: true } },
        { realtime_options: { joinAcks: true } },
    ]);
});

test("the app's name is the same in pyproject.toml, hooks.py and its package folder; modules.txt names a module folder", () => {
    const pyproject = fs.readFileSync(path.join(APP, "pyproject.toml"), "utf8");
    assert.match(pyproject, /^name = "realtime_acks"$/m);
    assert.match(fs.readFileSync(path.join(APP, "realtime_acks", "hooks.py"), "utf8"), /^app_name = "realtime_acks"$/m);
    const modules = fs.readFileSync(path.join(APP, "realtime_acks", "modules.txt"), "utf8").split("\n").filter(Boolean);
    for (const m of modules) {
        const folder = m.toLowerCase().replace(/ /g, "_");
        assert.ok(fs.existsSync(path.join(APP, "realtime_acks", folder, "__init__.py")), `module folder of ${m}`);
    }
    // Frappe's realtime server requires apps/<app>/realtime/handlers.js with require():
    // CommonJS, whatever a package.json above it says.
    assert.equal(JSON.parse(fs.readFileSync(path.join(APP, "package.json"), "utf8")).type, "commonjs");
});
