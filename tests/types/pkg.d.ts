// scripts/build.sh appends `export { preopen, onCrash, detachAll, urlParts } from "<glue.js>"` to pkg/frappe_realtime.js,
// which wasm-bindgen's pkg/frappe_realtime.d.ts does not declare: declared here as
// src/browser/glue.js defines it.
export {};
declare module "../../pkg/frappe_realtime.js" {
  export { preopen, onCrash, detachAll, urlParts } from "../../src/browser/glue.js";
}
