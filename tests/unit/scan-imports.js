// The import scanner of tests/unit/imports.test.js and fresh-clone.test.js: which
// specifiers a JS module imports, statically and dynamically, read from its text.

/**
 * `source` with comments blanked, strings and template literals kept (they hold the
 * specifiers). A `/` starts a regular expression literal where an operand is expected
 * (after one of `(,=:[!&|?{};` or a keyword such as `return`), a division elsewhere.
 */
export function stripComments(source) {
  let out = "";
  let i = 0;
  let last = ""; // the last significant character or word written
  const n = source.length;
  while (i < n) {
    const c = source[i];
    const d = source[i + 1];
    if (c === "/" && d === "/") {
      while (i < n && source[i] !== "\n") i++;
    } else if (c === "/" && d === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
      out += " ";
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < n && source[j] !== c) j += source[j] === "\\" ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
      last = c;
    } else if (c === "/" && (last === "" || "(,=:[!&|?{};".includes(last) || /^(return|typeof|case|of|in)$/.test(last))) {
      let j = i + 1;
      let cls = false;
      while (j < n && (cls || source[j] !== "/")) {
        if (source[j] === "\\") j++;
        else if (source[j] === "[") cls = true;
        else if (source[j] === "]") cls = false;
        j++;
      }
      out += source.slice(i, j + 1);
      i = j + 1;
      last = "/";
    } else {
      out += c;
      if (/[A-Za-z_$]/.test(c)) {
        const w = /^[A-Za-z_$][\w$]*/.exec(source.slice(i))[0];
        out += w.slice(1);
        i += w.length;
        last = w;
        continue;
      }
      if (!/\s/.test(c)) last = c;
      i++;
    }
  }
  return out;
}

/** The specifiers `source` imports: `{static: [...], dynamic: [...]}`. */
export function importsOf(source) {
  const code = stripComments(source);
  const found = (re) => [...code.matchAll(re)].map((m) => m[2]);
  return {
    static: [
      ...found(/(?:^|[;}\n])\s*(?:import|export)\s[^;"'`]*?\bfrom\s*(["'])([^"']+)\1/g),
      ...found(/(?:^|[;}\n])\s*import\s*(["'])([^"']+)\1/g),
    ],
    dynamic: found(/\bimport\s*\(\s*(["'])([^"']+)\1\s*\)/g),
  };
}
