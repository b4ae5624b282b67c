// SPDX-License-Identifier: AGPL-3.0-or-later
// Streams a content object from the server, verifies and decrypts it chunk by chunk, and hands
// each verified chunk to a sink (spec/object-format.md, "Reading"; web-client.md, "Link and drop
// pages"). On any failure the sink is aborted, so nothing is saved.

import { ContentDecryptor, HEADER_BYTES, TAG_BYTES } from "../crypto/content.js";
import { Code, IntegrityError } from "../crypto/errors.js";

/**
 * Reads exact byte counts from a fetch body stream into one buffer it reuses, so that a download
 * leaves no garbage per chunk for the page to collect: with a new array per chunk, and the
 * stream's own pieces besides, the renderer's memory rose and fell by hundreds of MiB on a 1 GiB
 * download, as fast as the collector lagged (docs/benchmarks.md, "The browser client"). Where the
 * body is a byte stream (Chromium's fetch) the browser writes straight into that buffer; else
 * each piece is copied in. What `read` answers is valid until the next `read`.
 */
export class ExactReader {
  constructor(stream) {
    try {
      this.reader = stream.getReader({ mode: "byob" });
      this.byob = true;
    } catch {
      this.reader = stream.getReader();
      this.byob = false;
    }
    this.buffer = new ArrayBuffer(0);
    this.rest = new Uint8Array(0); // a piece of the default reader's not yet read
    this.done = false;
  }

  async read(size) {
    if (this.buffer.byteLength < size) this.buffer = new ArrayBuffer(size);
    let filled = 0;
    while (filled < size && !this.done) {
      filled += this.byob ? await this.readInto(filled, size) : await this.copyInto(filled, size);
    }
    return new Uint8Array(this.buffer, 0, filled);
  }

  async readInto(filled, size) {
    const { value, done } = await this.reader.read(new Uint8Array(this.buffer, filled, size - filled));
    // The stream took the buffer and hands the same memory back under a new ArrayBuffer; only a
    // stream cancelled under the reader keeps it.
    if (!value) throw new Error("the download stream was cancelled");
    this.buffer = value.buffer;
    if (done) this.done = true;
    return value.byteLength;
  }

  async copyInto(filled, size) {
    if (!this.rest.length) {
      const { value, done } = await this.reader.read();
      if (done) {
        this.done = true;
        return 0;
      }
      this.rest = value;
    }
    const take = Math.min(this.rest.length, size - filled);
    new Uint8Array(this.buffer, filled, take).set(this.rest.subarray(0, take));
    this.rest = this.rest.subarray(take);
    return take;
  }

  cancel() {
    this.reader.cancel().catch(() => {});
  }
}

/**
 * file = { key, contentId, headerHash, size } from authenticated metadata (or a link secret);
 * response = the content object's fetch Response; sink = { write(chunk), close(), abort() }.
 */
export async function saveContent(file, response, sink, onProgress = () => {}) {
  const reader = new ExactReader(response.body);
  try {
    const header = (await reader.read(HEADER_BYTES)).slice(); // kept by the decryptor
    const decryptor = new ContentDecryptor(file.key, header, file.contentId, file.headerHash, file.size);
    const declared = response.headers.get("content-length");
    decryptor.checkServable(declared === null ? null : Number(declared));
    let written = 0;
    for (let index = 0; index < decryptor.chunks; index++) {
      const want = decryptor.chunkPlaintextSize(index) + TAG_BYTES;
      const sealed = await reader.read(want);
      if (sealed.length !== want) throw new IntegrityError(Code.CONTENT_LENGTH, "content ends early");
      // WebCrypto copies its input when called, so the reader may reuse the buffer after this.
      const plaintext = await decryptor.decryptChunk(index, sealed);
      await sink.write(plaintext);
      written += plaintext.length;
      onProgress(written, file.size);
    }
    if ((await reader.read(1)).length) {
      throw new IntegrityError(Code.CONTENT_LENGTH, "bytes after the final chunk");
    }
    await sink.close();
  } catch (error) {
    reader.cancel();
    await sink.abort();
    throw error;
  }
}
