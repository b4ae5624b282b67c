// SPDX-License-Identifier: AGPL-3.0-or-later
// Runs every file of spec/vectors through the web client's crypto modules, as
// tests/crypto/test_vectors.py does for Python: outputs, expected errors, the made objects, and
// every single-bit mutation of each object. Prints one JSON report; exit 1 when anything fails.
// Usage: node web/test/vectors.mjs [spec/vectors]

import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { InputError, IntegrityError } from "../src/crypto/errors.js";
import { ready } from "../src/crypto/sodium.js";
import { OPS } from "./vector-ops.mjs";

const dir = process.argv[2] ?? "spec/vectors";
await ready();

async function openOrCode(op, vector, object) {
  try {
    return await op.open(vector.inputs, object);
  } catch (error) {
    if (error instanceof IntegrityError) return error.code;
    if (error instanceof InputError) return "invalid_input";
    throw error;
  }
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const report = { files: 0, vectors: 0, mutations: 0, passed: 0, failures: [], pending: {} };

for (const name of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
  report.files++;
  const doc = JSON.parse(readFileSync(join(dir, name), "utf8"));
  for (const vector of doc.vectors) {
    report.vectors++;
    const label = `${name}: ${vector.name}`;
    const op = OPS[vector.operation];
    if (!op) {
      report.pending[vector.operation] = (report.pending[vector.operation] ?? 0) + 1;
      continue;
    }
    const object = "object" in vector ? Buffer.from(vector.object, "hex") : null;
    const bytes = object && new Uint8Array(object);
    try {
      const problem = await check(op, vector, bytes);
      if (problem) report.failures.push({ vector: label, problem });
      else report.passed++;
    } catch (error) {
      report.failures.push({ vector: label, problem: `threw ${error?.stack ?? error}` });
    }
  }
}

async function check(op, vector, object) {
  if ("expected_error" in vector) {
    const got = await openOrCode(op, vector, object);
    return got === vector.expected_error ? null : `expected ${vector.expected_error}, got ${JSON.stringify(got)}`;
  }
  if (op.make) {
    const made = Buffer.from(await op.make(vector.inputs)).toString("hex");
    if (made !== vector.object) return "the made object differs";
  }
  const got = await openOrCode(op, vector, object);
  if (!same(got, vector.outputs)) return `outputs differ: ${JSON.stringify(got).slice(0, 300)}`;
  if (!object || op.framing) return null;
  let covered = 0;
  for (const [start, end, code] of vector.mutations) {
    if (start !== covered) return "mutation runs leave a gap";
    for (let offset = start; offset < end; offset++) {
      const mutated = object.slice();
      mutated[offset] ^= 1;
      report.mutations++;
      const result = await openOrCode(op, vector, mutated);
      if (result !== code) return `byte ${offset} flipped: expected ${code}, got ${JSON.stringify(result)}`;
    }
    covered = end;
  }
  return covered === object.length ? null : "mutation runs do not cover the object";
}

console.log(JSON.stringify(report, null, 1));
process.exit(report.failures.length ? 1 : 0);
