// The bench scripts' command line: `--name value` options and `--flag`s, read from
// process.argv (Node built-ins only: scripts that set up a fresh clone import it first).

const argv = process.argv.slice(2);

/** The word after `name` on the command line, or `def` when `name` is absent or last. */
export function value(name, def) {
    const i = argv.indexOf(name);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : def;
}

/** Whether `name` is on the command line. */
export const flag = (name) => argv.includes(name);
