// SPDX-License-Identifier: AGPL-3.0-or-later
// Runs bench.mjs in Debian's Chromium under Playwright and prints one table per chunk size.
//
//   cd bench/browser_cipher && npm ci && node run.mjs [--mib 64] [--runs 15] [--chunks 4096,64]
//
// Serves this folder from a loopback HTTP server (127.0.0.1 is a secure context, so WebCrypto is
// there), launches /usr/bin/chromium headless with a fresh profile, and for every case and
// operation repeats one batch (--mib of data) --runs times, rounds interleaved. For each batch it
// records the page's wall time and the CPU time of Chromium's renderer processes (summed over
// every thread from /proc/PID/task/*/schedstat, in nanoseconds: WebCrypto's worker threads count
// as much as the main thread that runs libsodium.js), and reports the median and the best batch.

import { createServer } from "node:http";
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from "node:fs";
import { loadavg, cpus, tmpdir } from "node:os";
import { join, normalize, extname, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = dirname(fileURLToPath(import.meta.url));
const TYPES = { ".html": "text/html", ".mjs": "text/javascript", ".js": "text/javascript" };
const SERVED = ["/index.html", "/bench.mjs", "/node_modules/libsodium-sumo/", "/node_modules/libsodium-wrappers-sumo/"];

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
}

const MIB = 1 << 20;
const mib = Number(option("mib", "64"));
const runs = Number(option("runs", "15"));
const chunkKibs = option("chunks", "4096,64").split(",").map(Number);
const executablePath = option("chromium", "/usr/bin/chromium");

function serve() {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    const wanted = path === "/" ? "/index.html" : path;
    const file = join(HERE, wanted);
    if (wanted === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    if (!SERVED.some((p) => wanted === p || (p.endsWith("/") && wanted.startsWith(p))) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// Chromium's renderer processes: descendants of this node process with --type=renderer.
function rendererPids() {
  const parent = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // the process has exited
    }
  }
  const descends = (pid) => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = parent.get(p) ?? 0, hops++) {
      if (p === process.pid) return true;
    }
    return false;
  };
  return [...parent.keys()].filter((pid) => {
    if (!descends(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("--type=renderer");
    } catch {
      return false;
    }
  });
}

// User and system clock ticks (1/100 s) of every thread of these processes: coarse, so only
// summed over a whole case to show how much of its CPU time the kernel spends.
function ticks(pids) {
  let user = 0;
  let system = 0;
  for (const pid of pids) {
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        user += Number(fields[11]);
        system += Number(fields[12]);
      } catch {
        // the thread has exited
      }
    }
  }
  return { user, system };
}

// CPU seconds run by every thread of these processes (schedstat's first field, in ns).
function cpuSeconds(pids) {
  let ns = 0;
  for (const pid of pids) {
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        // the thread has exited
      }
    }
  }
  return ns / 1e9;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main() {
  const server = await serve();
  const url = `http://127.0.0.1:${server.address().port}/`;
  const profile = mkdtempSync(join(tmpdir(), "sealbox-cipher-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const load0 = loadavg();
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (msg) => process.stderr.write(`page: ${msg.text()}\n`));
    page.on("pageerror", (err) => process.stderr.write(`page error: ${err}\n`));
    await page.goto(url);
    await page.waitForFunction(() => window.cipherBench !== undefined);
    const renderers = rendererPids();
    if (renderers.length === 0) throw new Error("found no Chromium renderer process under this one");
    const version = context.browser()?.version() ?? "";
    let header = true;
    for (const kib of chunkKibs) {
      const chunk = kib * 1024;
      const count = Math.max(1, Math.floor((mib * MIB) / chunk));
      const bytes = count * chunk;
      const info = await page.evaluate(([c, n]) => window.cipherBench.prepare(c, n), [chunk, count]);
      const cases = await page.evaluate(() => window.cipherBench.cases);
      if (header) {
        header = false;
        console.log(`browser: ${info.userAgent.match(/Chrom\w*\/[\d.]+/)?.[0] ?? info.userAgent} ${version}`.trim());
        console.log(`libsodium.js (libsodium-wrappers-sumo) ${info.sodiumVersion}; secure context: ${info.secureContext}`);
        console.log(`renderer processes measured: ${renderers.join(", ")}`);
        console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}); load average at start: ${load0.map((x) => x.toFixed(2)).join(" ")}`);
      }
      const results = Object.fromEntries(cases.map((c) => [c, { seal: [], open: [], user: 0, system: 0 }]));
      // Warm up every case once (JIT, wasm heap growth, WebCrypto's threads), then interleave.
      for (const c of cases) for (const op of ["seal", "open"]) await page.evaluate(([a, b]) => window.cipherBench.step(a, b), [c, op]);
      for (let r = 0; r < runs; r++) {
        for (const c of cases) {
          for (const op of ["seal", "open"]) {
            const ticks0 = ticks(renderers);
            const cpu0 = cpuSeconds(renderers);
            const { ms } = await page.evaluate(([a, b]) => window.cipherBench.step(a, b), [c, op]);
            const cpu = cpuSeconds(renderers) - cpu0;
            const ticks1 = ticks(renderers);
            results[c].user += ticks1.user - ticks0.user;
            results[c].system += ticks1.system - ticks0.system;
            results[c][op].push({ wall: ms / 1000, cpu });
          }
        }
      }
      const label = chunk >= MIB ? `${chunk / MIB} MiB` : `${chunk / 1024} KiB`;
      console.log(`\n${label} chunks, ${count} chunks (${(bytes / MIB).toFixed(0)} MiB) per batch, ${runs} batches`);
      console.log("\n| case | seal MB/s (median / best) | seal CPU s/GB (median / min) | open MB/s (median / best) | open CPU s/GB (median / min) |");
      console.log("|---|---:|---:|---:|---:|");
      const gb = bytes / 1e9;
      for (const c of cases) {
        const cells = [];
        for (const op of ["seal", "open"]) {
          const walls = results[c][op].map((x) => x.wall);
          const cpusec = results[c][op].map((x) => x.cpu);
          const rate = (s) => (bytes / s / 1e6).toFixed(0);
          cells.push(`${rate(median(walls))} / ${rate(Math.min(...walls))}`);
          cells.push(`${(median(cpusec) / gb).toFixed(2)} / ${(Math.min(...cpusec) / gb).toFixed(2)}`);
        }
        console.log(`| ${c} | ${cells.join(" | ")} |`);
      }
      console.log("\nkernel share of the renderer's CPU time over all batches (seal and open): " +
        cases.map((c) => {
          const { user, system } = results[c];
          return `${c}: ${user + system ? ((100 * system) / (user + system)).toFixed(0) : "?"}%`;
        }).join("; "));
    }
    const load1 = loadavg();
    console.log(`\nload average at end: ${load1.map((x) => x.toFixed(2)).join(" ")}`);
  } finally {
    await context.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
