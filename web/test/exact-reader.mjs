// SPDX-License-Identifier: AGPL-3.0-or-later
// exact-reader.js under Node, on both kinds of stream a browser may hand it: a
// byte stream (read with a BYOB reader into the reused buffer) and a default stream (copied in).
// Each case reads a content object's shape (a header, whole chunks, a short last chunk, then one
// byte past the end) from pieces of many sizes, and compares every answer with the bytes it
// should be. Prints {"cases", "byob", "copied", "failures"} and exits 1 on any failure.

import { ExactReader } from "../src/exact-reader.js";

const TOTAL = 3 * 65_536 + 1_234;
const READS = [32, 65_536, 65_536, 65_536, 1_234 - 32, 1];
const bytes = new Uint8Array(TOTAL).map((_, i) => (i * 131 + (i >> 8)) & 0xff);

function* pieceSizes(pattern) {
  let seed = pattern.length * 7919;
  for (;;) {
    for (const size of pattern) {
      if (size > 0) yield size;
      else {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        yield 1 + (seed % 100_000);
      }
    }
  }
}

function streamOf(kind, pattern) {
  const sizes = pieceSizes(pattern);
  let at = 0;
  return new ReadableStream({
    ...(kind === "bytes" ? { type: "bytes" } : {}),
    pull(controller) {
      if (at >= TOTAL) {
        controller.close();
        // A closed byte stream still owes the pending BYOB request its (empty) answer.
        if (kind === "bytes") controller.byobRequest?.respond(0);
        return;
      }
      const size = Math.min(sizes.next().value, TOTAL - at);
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

async function check(kind, pattern, cut) {
  const stream = streamOf(kind, pattern);
  const reader = new ExactReader(cut ? truncated(stream, cut) : stream);
  let at = 0;
  for (const size of READS) {
    const got = await reader.read(size);
    const want = bytes.subarray(at, Math.min(at + size, TOTAL - (cut ?? 0)));
    if (got.length !== want.length || got.some((b, i) => b !== want[i])) {
      const what = got.length === want.length ? "other bytes than" : `${got.length} bytes, not`;
      return `${kind} ${JSON.stringify(pattern)} cut ${cut}: read(${size}) at ${at} gave ${what} the ${want.length} expected`;
    }
    at += want.length;
  }
  return reader.byob === (kind === "bytes") ? null : `${kind}: byob is ${reader.byob}`;
}

function truncated(stream, cut) {
  // The same bytes, less the last `cut`: a body that ends early.
  let left = TOTAL - cut;
  const source = stream.getReader();
  return new ReadableStream({
    type: "bytes",
    async pull(controller) {
      const { value, done } = await source.read();
      if (done || left <= 0) {
        controller.close();
        controller.byobRequest?.respond(0);
        return;
      }
      const piece = value.subarray(0, Math.min(value.length, left));
      left -= piece.length;
      controller.enqueue(piece.slice());
    },
  });
}

const patterns = [[1], [7], [4096], [65_536], [1 << 20], [65_537, 3], [0]];
const failures = [];
let cases = 0;
for (const kind of ["bytes", "default"]) {
  for (const pattern of patterns) {
    for (const cut of [undefined, 1, 1_000, 65_536 + 17]) {
      if (cut && kind === "default") continue; // truncated() makes a byte stream
      cases++;
      const failure = await check(kind, pattern, cut);
      if (failure) failures.push(failure);
    }
  }
}
const byob = patterns.length * 4;
console.log(JSON.stringify({ cases, byob, copied: cases - byob, failures }));
process.exit(failures.length ? 1 : 0);
