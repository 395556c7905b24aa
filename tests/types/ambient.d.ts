// Ambient declarations for type-checking the hand JS (tests/types/tsconfig.json):
// what the build provides (esbuild's define and wasm loader, the glue's appended
// re-export) and the SharedWorker global scope, which lib.dom does not declare.

/** Set by esbuild --define in the script-tag build (scripts/build-dist.sh). */
declare const __FRAPPE_REALTIME_VERSION__: string | undefined;

/** esbuild --loader:.wasm=binary: the module's bytes. */
declare module "*.wasm" {
  const bytes: Uint8Array;
  export default bytes;
}

/** The part of a SharedWorker's global scope www/shared-worker.js uses. */
interface SharedWorkerGlobalScope {
  onconnect: ((e: MessageEvent) => unknown) | null;
}
declare var SharedWorkerGlobalScope: {
  prototype: SharedWorkerGlobalScope;
  new (): SharedWorkerGlobalScope;
};
