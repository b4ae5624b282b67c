// SPDX-License-Identifier: AGPL-3.0-or-later
// Only web/src/crypto/sodium.js may reach libsodium or WebCrypto's cipher (spec/README.md,
// "Errors", rule 1): every other module calls its wrappers, which throw on failure.
// Prints the offending files and exits 1 when any other source names them.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const src = new URL("../src/", import.meta.url).pathname;
const FORBIDDEN = /from "libsodium|crypto\.subtle|crypto_[a-z0-9_]+\(/;
const walk = (dir) => readdirSync(dir).flatMap((name) => {
  const path = join(dir, name);
  return statSync(path).isDirectory() ? walk(path) : [path];
});
const offenders = walk(src)
  .filter((path) => path.endsWith(".js") && !path.endsWith(join("crypto", "sodium.js")))
  .filter((path) => FORBIDDEN.test(readFileSync(path, "utf8")))
  .map((path) => relative(src, path));
console.log(JSON.stringify(offenders));
process.exit(offenders.length ? 1 : 0);
