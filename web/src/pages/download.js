// SPDX-License-Identifier: AGPL-3.0-or-later
// Streams a content object from the server, verifies and decrypts it chunk by chunk, and hands
// each verified chunk to a sink (spec/object-format.md, "Reading"; web-client.md, "Link and drop
// pages"). On any failure the sink is aborted, so nothing is saved.

import { ContentDecryptor, HEADER_BYTES, TAG_BYTES } from "../crypto/content.js";
import { Code, IntegrityError } from "../crypto/errors.js";

/** Reads exact byte counts from a fetch body stream. */
class ExactReader {
  constructor(stream) {
    this.reader = stream.getReader();
    this.pending = [];
    this.buffered = 0;
    this.done = false;
  }

  async read(size) {
    while (this.buffered < size && !this.done) {
      const { value, done } = await this.reader.read();
      if (done) this.done = true;
      else if (value.length) {
        this.pending.push(value);
        this.buffered += value.length;
      }
    }
    const out = new Uint8Array(Math.min(size, this.buffered));
    let filled = 0;
    while (filled < out.length) {
      const head = this.pending[0];
      const take = Math.min(head.length, out.length - filled);
      out.set(head.subarray(0, take), filled);
      filled += take;
      if (take === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(take);
    }
    this.buffered -= out.length;
    return out;
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
    const header = await reader.read(HEADER_BYTES);
    const decryptor = new ContentDecryptor(file.key, header, file.contentId, file.headerHash, file.size);
    const declared = response.headers.get("content-length");
    decryptor.checkServable(declared === null ? null : Number(declared));
    let written = 0;
    for (let index = 0; index < decryptor.chunks; index++) {
      const want = decryptor.chunkPlaintextSize(index) + TAG_BYTES;
      const sealed = await reader.read(want);
      if (sealed.length !== want) throw new IntegrityError(Code.CONTENT_LENGTH, "content ends early");
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
