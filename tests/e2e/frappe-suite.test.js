// tests/upstream/frappe.test.js — the suite `npm run test:frappe` runs against Frappe's
// own realtime server — against tests/server/realtime.js, in `npm test`: the suite stays
// sound between runs against Frappe, and the test server is held to what it checks there.
//
//   node --test tests/e2e/frappe-suite.test.js

import "../upstream/frappe.test.js";
