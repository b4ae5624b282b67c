// SPDX-License-Identifier: AGPL-3.0-or-later
// Where verified plaintext goes. Both sinks discard everything on abort: nothing is saved unless
// the final chunk verified (web-client.md, "Link and drop pages").

/** Above this size, a file is written through the File System Access API where the browser
 * has it, so the page never holds the whole file. */
export const STREAM_THRESHOLD = 256 * 1024 * 1024;

/** Collects verified chunks and offers them as one download only after the last one verified. */
export class BlobSink {
  constructor(name) {
    this.name = name;
    this.parts = [];
  }

  write(chunk) {
    this.parts.push(chunk);
  }

  close() {
    const blob = new Blob(this.parts, { type: "application/octet-stream" });
    this.parts = [];
    const url = URL.createObjectURL(blob);
    const anchor = document.createElement("a");
    anchor.href = url;
    anchor.download = this.name;
    anchor.rel = "noopener";
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  abort() {
    this.parts = [];
  }
}

/** Streams to a file the person chose; a failure aborts the writable, so the file is dropped. */
export class FileSystemSink {
  static async create(name) {
    const handle = await window.showSaveFilePicker({ suggestedName: name });
    const sink = new FileSystemSink();
    sink.writable = await handle.createWritable();
    return sink;
  }

  write(chunk) {
    return this.writable.write(chunk);
  }

  close() {
    return this.writable.close();
  }

  abort() {
    return this.writable.abort().catch(() => {});
  }
}

export async function sinkFor(name, size) {
  if (size > STREAM_THRESHOLD && typeof window.showSaveFilePicker === "function") {
    return FileSystemSink.create(name);
  }
  return new BlobSink(name);
}
