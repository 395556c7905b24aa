// A frappe-ui app's Vite config (Vite 5.4, like CRM's), as `frappe-ui/vite` sets one up,
// with one line added: the `resolve.alias` that moves socket.io-client to frappe-realtime.
import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";
import frappeui from "frappe-ui/vite";

export default defineConfig({
  plugins: [
    // Lucide icons (frappe-ui's own components use them). The boot-data and build-output
    // plugins write a Jinja page into a bench app, which this stand-alone test has not.
    frappeui({ frappeProxy: false, jinjaBootData: false, buildConfig: false }),
    vue(),
  ],
  base: "./",
  resolve: {
    alias: {
      "socket.io-client": "frappe-realtime/socket.io-client",
    },
  },
});
