// Where Chromium is and the flags it needs on this machine kind (../shared/docs/toolchain.md):
// headless, no sandbox as root, and no background networking, which this machine's
// closed network refuses. Shared by the test harness (tests/e2e/harness.js) and the
// benchmark (bench/cdp.js), which launch it in different ways.

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];
