import { createRoot } from "react-dom/client";
import { FrappeProvider } from "frappe-react-sdk";
import { WithSocket } from "./socket.jsx";
import App from "./App.jsx";

// The sdk's own socket stays off (enableSocket={false}): it would be its bundled
// socket.io-client. WithSocket provides one from `io` (the alias) to the sdk's hooks.
createRoot(document.getElementById("root")).render(
  <FrappeProvider url="" enableSocket={false}>
    <WithSocket>
      <App />
    </WithSocket>
  </FrappeProvider>,
);
