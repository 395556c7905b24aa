// A frappe-ui app's main.js: the FrappeUI plugin (resources, $call, and $socket from
// frappe-ui's initSocket, which calls socket.io-client's `io(url, {withCredentials: true})`)
// and frappeRequest as the resources' fetcher.
import { createApp } from "vue";
import { FrappeUI, frappeRequest, setConfig } from "frappe-ui";
import App from "./App.vue";

// What Frappe's page template provides through its boot data (`window.site_name`) and
// what a developer passes as the bench's socketio_port: here from the query string.
const params = new URLSearchParams(location.search);
window.site_name = params.get("site") || window.site_name;

setConfig("resourceFetcher", frappeRequest);

const app = createApp(App);
app.use(FrappeUI, { socketio: { port: params.get("socketio_port") || 9000 } });
app.mount("#app");
