// SPDX-License-Identifier: AGPL-3.0-or-later
// Builds the web client into one static, reproducible set of files (spec/web-client.md):
//   <out>/index.html            the entry page, no inline code, every script and style pinned (SRI)
//   <out>/assets/app.<h>.js     the client and libsodium.js (WebAssembly inside), one bundle
//   <out>/assets/stream.<h>.js  the download service worker (no key, no crypto: web/src/stream-sw.js)
//   <out>/assets/style.<h>.css  the style sheet
//   <out>/assets/icon.<h>.svg   the icon (so the browser does not ask for /favicon.ico)
//   <out>/SHA256SUMS            the SHA-256 of every file, the list a release publishes
// Asset names carry a hash of their content. Nothing depends on the time, the machine or the
// path: two builds of the same source and lockfile are byte-identical (tests/web/test_build.py).
// Usage: node web/build.mjs OUT_DIR   (scripts/build-web runs it with the package's directory)

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error("usage: node web/build.mjs OUT_DIR");
  process.exit(2);
}

const version = /^version = "([^"]+)"/m.exec(readFileSync(join(here, "..", "pyproject.toml"), "utf8"))[1];
const digest = (algorithm, data, encoding) => createHash(algorithm).update(data).digest(encoding);
const named = (stem, ext, data) => `${stem}.${digest("sha256", data, "hex").slice(0, 16)}.${ext}`;
const integrity = (data) => `sha384-${digest("sha384", data, "base64")}`;

const common = {
  bundle: true,
  platform: "browser",
  target: "es2022",
  minify: true,
  write: false,
  charset: "utf8",
  legalComments: "eof",
  // Each bundle is a source file of the package like any other (scripts/spdx, tests/test_structure.py).
  banner: { js: "// SPDX-License-Identifier: AGPL-3.0-or-later" },
  absWorkingDir: here,
  logLevel: "warning",
};
// The service worker first: the client names it by its content-hashed URL. A service worker
// cannot be pinned by Subresource Integrity; it is a file of this same build (web-client.md).
const worker = (await esbuild.build({ ...common, entryPoints: [join(here, "src", "stream-sw.js")], format: "iife" }))
  .outputFiles[0].contents;
const workerName = named("stream", "js", worker);

const bundle = await esbuild.build({
  ...common,
  entryPoints: [join(here, "src", "main.js")],
  define: { __STREAM_WORKER__: JSON.stringify(`/assets/${workerName}`) },
  format: "esm",
  // Emscripten's Node branch names these; the browser build never reaches it.
  external: ["fs", "path", "crypto", "url", "worker_threads"],
});
const script = bundle.outputFiles[0].contents;
const style = readFileSync(join(here, "src", "style.css"));
const icon = readFileSync(join(here, "src", "icon.svg"));
const iconName = named("icon", "svg", icon);
const scriptName = named("app", "js", script);
const styleName = named("style", "css", style);
const page = readFileSync(join(here, "src", "index.html"), "utf8")
  .replaceAll("{{version}}", version)
  .replace("{{script}}", `/assets/${scriptName}`)
  .replace("{{script_integrity}}", integrity(script))
  .replace("{{style}}", `/assets/${styleName}`)
  .replace("{{style_integrity}}", integrity(style))
  .replace("{{icon}}", `/assets/${iconName}`);
if (/<script(?![^>]*\bsrc=)|\son\w+=|\sstyle=|javascript:/i.test(page)) {
  throw new Error("the entry page must hold no inline code");
}

const files = new Map([
  ["index.html", Buffer.from(page, "utf8")],
  [`assets/${scriptName}`, Buffer.from(script)],
  [`assets/${styleName}`, style],
  [`assets/${workerName}`, Buffer.from(worker)],
  [`assets/${iconName}`, icon],
]);
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "assets"), { recursive: true });
const sums = [];
for (const [name, data] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
  writeFileSync(join(out, name), data);
  sums.push(`${digest("sha256", data, "hex")}  ${name}\n`);
}
writeFileSync(join(out, "SHA256SUMS"), sums.join(""));
console.log(`built ${files.size} files into ${out} (${scriptName}: ${script.length} bytes)`);
