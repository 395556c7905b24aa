// `node build.js vite4|vite5|vite7|vite8`: builds this app into dist-<name>/ with that
// Vite version's JS build() API (npm aliases in package.json), with the one addition a
// Frappe SPA needs: resolve.alias socket.io-client → frappe-realtime/socket.io-client.
import path from "node:path";
import { fileURLToPath } from "node:url";

const name = process.argv[2];
if (!/^vite\d+$/.test(name || "")) throw new Error("usage: node build.js vite4|vite5|vite7|vite8");
const root = path.dirname(fileURLToPath(import.meta.url));
const { build, version } = await import(name);

await build({
  root,
  configFile: false,
  logLevel: "warn",
  base: "./",
  resolve: { alias: { "socket.io-client": "frappe-realtime/socket.io-client" } },
  build: { outDir: path.join(root, `dist-${name}`), emptyOutDir: true },
});
console.log(`${name}: vite ${version}`);
