// SPDX-License-Identifier: AGPL-3.0-or-later
// One reused buffer between a stream and the chunks of a content object (object-format.md).

/**
 * Reads exact byte counts from a stream (a fetch body, a File's stream) into one buffer it
 * reuses, so that a transfer leaves no garbage per chunk for the page to collect: with a new
 * array per chunk, and the stream's own pieces besides, the renderer's memory rose and fell by
 * hundreds of MiB on a 1 GiB download, as fast as the collector lagged (docs/benchmarks.md,
 * "The browser client"). Where the stream is a byte stream (Chromium's fetch bodies and Blob
 * streams) the browser writes straight into that buffer; else each piece is copied in. What
 * `read` answers is valid until the next `read`: WebCrypto copies its input when called, so a
 * chunk read here may be handed to it and the reader used again once the call has returned.
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
    if (!value) throw new Error("the stream was cancelled");
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
