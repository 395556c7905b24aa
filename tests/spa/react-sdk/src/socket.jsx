// frappe-react-sdk's hooks read the socket from its exported FrappeContext. Its
// FrappeProvider makes that socket with the copy of socket.io-client built into the
// sdk's dist file, which a resolve.alias cannot replace; so this wrapper provides the
// context again with a socket made by `io` from "socket.io-client" — frappe-realtime
// through the alias. What FrappeProvider would pass (url/<site>, withCredentials).
import { useContext, useMemo } from "react";
import { FrappeContext } from "frappe-react-sdk";
import { io } from "socket.io-client";

const params = new URLSearchParams(location.search);
// The realtime server's URL with the site as namespace (FrappeProvider: url + siteName).
const url = params.get("realtime") || `${location.origin}/${window.site_name || location.hostname}`;

export const socket = io(url, { withCredentials: true });

export function WithSocket({ children }) {
  const frappe = useContext(FrappeContext);
  const value = useMemo(() => ({ ...frappe, socket }), [frappe]);
  return <FrappeContext.Provider value={value}>{children}</FrappeContext.Provider>;
}
