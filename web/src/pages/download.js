// SPDX-License-Identifier: AGPL-3.0-or-later
// Streams a content object from the server, verifies and decrypts it chunk by chunk, and hands
// each verified chunk to a sink (spec/object-format.md, "Reading"; web-client.md, "Link and drop
// pages"). On any failure the sink is aborted, so nothing is saved.

import { ContentDecryptor, HEADER_BYTES, TAG_BYTES } from "../crypto/content.js";
import { Code, IntegrityError } from "../crypto/errors.js";
import { ExactReader } from "../exact-reader.js";

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
