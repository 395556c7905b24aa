// The companion Frappe app of frappe-app/ as the test servers load it. Node built-ins
// only: bench/herd.js imports it before its setup step has installed npm packages.

import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** frappe-app/: the app's directory, as `apps/realtime_acks` is in a bench. */
export const COMPANION_APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../frappe-app");

/** The app's admission window of a socket.io Server (frappe-app/realtime/admission.js
 *  `gateOf`), from the module instance the realtime servers load (one module cache). */
export function admissionGateOf(server) {
    return createRequire(import.meta.url)(path.join(COMPANION_APP_DIR, "realtime", "admission.js")).gateOf(server);
}

/** The app's admission on (its default) or off (`REALTIME_ACKS_ADMISSION=off`) for the
 *  calls this process's realtime servers make from now on: admission.js reads the
 *  variable at each call. */
export function setAdmission(on) {
    if (on) delete process.env.REALTIME_ACKS_ADMISSION;
    else process.env.REALTIME_ACKS_ADMISSION = "off";
}

/** Options of startEnv / startCluster for a site that has the app installed: the web
 *  server lists it in get_user_info's `installed_apps`, and the realtime server loads its
 *  `realtime/handlers.js` for each connected socket, as Frappe's does. */
export const WITH_COMPANION_APP = {
    web: { installedApps: ["frappe", "realtime_acks"] },
    realtime: { apps: { realtime_acks: COMPANION_APP_DIR } },
};
