// SPDX-License-Identifier: AGPL-3.0-or-later
// drive/upload.js's sendContent under Node, with a file and a server that fail on purpose: a
// file the browser can no longer read, a file shorter than it said, and a chunk the server
// refuses while another is on the wire. Each must end with the error the page shows, only after
// every request has ended, and with no promise left to reject unseen. Also checks that no more
// than two chunks are ever on the wire. Prints {"cases", "failures"}; exits 1 on any failure.

import { ready } from "../src/crypto/sodium.js";
import { CHUNK_SIZE, UploadRefused, sendContent } from "../src/drive/upload.js";

await ready();

const unseen = [];
process.on("unhandledRejection", (reason) => unseen.push(String(reason)));

function fileOf(size, { error = null, short = 0 } = {}) {
  let sent = 0;
  const total = size - short;
  return {
    name: "a.bin", size, type: "", lastModified: 0,
    stream: () => new ReadableStream({
      type: "bytes",
      pull(controller) {
        if (error && sent >= CHUNK_SIZE) return controller.error(error);
        if (sent >= total) {
          controller.close();
          return controller.byobRequest?.respond(0);
        }
        const piece = Math.min(1 << 20, total - sent);
        controller.enqueue(new Uint8Array(piece));
        sent += piece;
      },
    }),
  };
}

function apiOf({ refuse = -1 } = {}) {
  const api = { open: 0, most: 0, ended: [], afterFailure: 0, failed: false };
  api.openUpload = async () => {};
  api.putChunk = async (_, index) => {
    api.open++;
    api.most = Math.max(api.most, api.open);
    if (api.failed) api.afterFailure++;
    await new Promise((resolve) => setTimeout(resolve, index === refuse ? 5 : 20));
    api.open--;
    api.ended.push(index);
    if (index === refuse) {
      api.failed = true;
      throw new Error("refused");
    }
  };
  return api;
}

async function outcome(file, api) {
  try {
    await sendContent(api, file, () => {});
    return { ok: true, open: api.open };
  } catch (error) {
    return { error, open: api.open };
  }
}

const failures = [];
const expect = (ok, what) => ok || failures.push(what);
const cases = [];

{
  const api = apiOf();
  const got = await outcome(fileOf(5 * CHUNK_SIZE + 7), api);
  expect(got.ok && api.ended.length === 6, `a whole file: ${got.error ?? api.ended}`);
  expect(api.most === 2, `chunks on the wire at once: ${api.most}, not 2`);
  cases.push("whole");
}
for (const [label, error] of [["unreadable", new DOMException("gone", "NotReadableError")],
                              ["moved", new DOMException("gone", "NotFoundError")]]) {
  const got = await outcome(fileOf(3 * CHUNK_SIZE, { error }), apiOf());
  expect(got.error instanceof UploadRefused && /changed, moved or deleted/.test(got.error.message),
         `${label}: ${got.error}`);
  expect(got.open === 0, `${label}: ${got.open} requests still open when the error came`);
  cases.push(label);
}
{
  const got = await outcome(fileOf(3 * CHUNK_SIZE, { short: 10 }), apiOf());
  expect(got.error instanceof UploadRefused, `short: ${got.error}`);
  expect(got.open === 0, `short: ${got.open} requests still open`);
  cases.push("short");
}
{
  const other = await outcome(fileOf(3 * CHUNK_SIZE, { error: new TypeError("other") }), apiOf());
  expect(other.error instanceof TypeError, `another read error passes through: ${other.error}`);
  cases.push("other");
}
{
  const api = apiOf({ refuse: 1 });
  const got = await outcome(fileOf(6 * CHUNK_SIZE), api);
  expect(got.error?.message === "refused", `refused chunk: ${got.error}`);
  expect(got.open === 0, `refused chunk: ${got.open} requests still open when the error came`);
  expect(api.ended.length < 6, `refused chunk: every chunk was still sent (${api.ended})`);
  cases.push("refused");
}
await new Promise((resolve) => setTimeout(resolve, 50));
expect(unseen.length === 0, `unhandled rejections: ${unseen}`);
console.log(JSON.stringify({ cases, failures }));
process.exit(failures.length ? 1 : 0);
