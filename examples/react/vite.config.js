import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  // Relative asset URLs: the build works from any path (a Frappe app's /assets/<app>/…).
  base: "./",
  // The app is written against socket.io-client; this line makes it frappe-realtime.
  resolve: { alias: { "socket.io-client": "frappe-realtime/socket.io-client" } },
  // Keep frappe-realtime out of the dev server's pre-bundling: Vite 7 moves its glue
  // away from the .wasm it loads with new URL(…, import.meta.url) and then serves an
  // HTML 404 for it. (Vite 8 rewrites that URL and works either way.)
  optimizeDeps: { exclude: ["frappe-realtime"] },
});
