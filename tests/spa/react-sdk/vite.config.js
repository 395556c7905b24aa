// A React app's Vite config with one line added: the alias that moves socket.io-client to
// frappe-realtime. frappe-react-sdk carries its own copy of socket.io-client inside its
// dist file, which no alias reaches: src/socket.js hands the sdk's hooks our socket.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  base: "./",
  resolve: { alias: { "socket.io-client": "frappe-realtime/socket.io-client" } },
});
