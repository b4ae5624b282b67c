// SPDX-License-Identifier: AGPL-3.0-or-later
// Where verified plaintext goes (web-client.md, "Downloads"). Every sink receives only chunks the
// page has verified, and discards or fails what it holds on abort: nothing is saved as complete
// unless the final chunk verified. The order: a service-worker stream where the browser has
// service workers (any size, no dialog), else the File System Access API (a save dialog), else a
// Blob for small files only, which is the one sink that holds the whole file in memory.

/** The largest file a Blob sink takes: above it a browser with neither stream refuses. */
export const BLOB_LIMIT = 256 * 1024 * 1024;

// Replaced at build time by the service worker's content-hashed URL (web/build.mjs).
const WORKER_URL = typeof __STREAM_WORKER__ === "string" ? __STREAM_WORKER__ : null;
export const STREAM_SCOPE = "/assets/stream/";
const PING_MS = 10_000; // keeps the worker awake: a browser stops an idle one after about 30 s
const WAIT_MS = 15_000;
const CANCELLED = "The download was cancelled in the browser. Nothing was saved.";

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
    clickDownload(url, this.name);
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

/**
 * Streams to the browser's own downloads through the service worker (web/src/stream-sw.js): the
 * page starts a download of /assets/stream/<id>, which the worker answers with a stream it fills
 * with the chunks this sink hands it, one at a time as the browser asks for them. abort() errors
 * the stream, so the browser marks the download failed instead of completing it.
 */
export class StreamSink {
  static async create(worker, name, size) {
    const channel = new MessageChannel();
    const sink = new StreamSink(worker, channel.port1);
    const id = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
    const ready = sink.next("ready");
    worker.postMessage({ type: "stream", id, name, size }, [channel.port2]);
    await within(ready, "the download service worker did not answer");
    // A navigation, not <a download>: Chromium sends a download attribute's request past service
    // workers, while a navigation goes to the worker, whose attachment answer leaves this page as it is.
    clickDownload(`${STREAM_SCOPE}${id}`, null);
    return sink;
  }

  constructor(worker, port) {
    this.port = port;
    this.credits = 0;
    this.waiting = null;
    this.cancelled = false;
    this.ping = setInterval(() => worker.postMessage({ type: "ping" }), PING_MS);
    port.onmessage = ({ data }) => {
      if (data.type === "pull") this.credits++;
      else if (data.type === "cancel") this.cancelled = true;
      this.wake(data.type);
    };
  }

  wake(type) {
    const waiting = this.waiting;
    if (!waiting) return;
    if (this.cancelled) waiting.reject(new SaveError(CANCELLED));
    else if (waiting.type === type || (waiting.type === "pull" && this.credits)) waiting.resolve();
    else return;
    this.waiting = null;
  }

  next(type) {
    return new Promise((resolve, reject) => {
      this.waiting = { type, resolve, reject };
    });
  }

  async write(chunk) {
    if (this.cancelled) throw new SaveError(CANCELLED);
    if (!this.credits) await this.next("pull");
    this.credits--;
    // A chunk that owns its buffer moves to the worker; one that is a view into a larger buffer is copied.
    const own = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? chunk : chunk.slice();
    this.port.postMessage({ type: "chunk", chunk: own }, [own.buffer]);
  }

  close() {
    this.port.postMessage({ type: "close" });
    this.stop();
  }

  abort() {
    this.port.postMessage({ type: "abort" });
    this.stop();
  }

  stop() {
    clearInterval(this.ping);
    setTimeout(() => this.port.close(), 1000);
  }
}

function clickDownload(url, name) {
  const anchor = document.createElement("a");
  anchor.href = url;
  if (name !== null) anchor.download = name;
  anchor.rel = "noopener";
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
}

function within(promise, message) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), WAIT_MS);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

let registration = null;

/** The active download worker, registered on first use; null where the browser has none. */
export function streamWorker() {
  if (!WORKER_URL || !window.isSecureContext || !navigator.serviceWorker) return Promise.resolve(null);
  registration ??= within(activate(), "the download service worker did not start").catch(() => {
    registration = null;
    return null;
  });
  return registration;
}

async function activate() {
  const reg = await navigator.serviceWorker.register(WORKER_URL, { scope: STREAM_SCOPE, updateViaCache: "none" });
  const next = reg.installing ?? reg.waiting;
  if (!next) return reg.active;
  if (next.state === "activated") return next;
  await new Promise((resolve) => {
    next.addEventListener("statechange", () => {
      if (next.state === "activated" || next.state === "redundant") resolve();
    });
  });
  return reg.active;
}

/** A download that cannot be saved here; its message tells the person what to do. */
export class SaveError extends Error {}

/** The sink for a download of `name` (`size` bytes), in the order of web-client.md, "Downloads". */
export async function sinkFor(name, size) {
  const worker = await streamWorker();
  if (worker) return StreamSink.create(worker, name, size);
  if (typeof window.showSaveFilePicker === "function") return FileSystemSink.create(name);
  if (size > BLOB_LIMIT) {
    throw new SaveError("This browser cannot save a file this large without holding all of it in memory. " +
                            "Use a browser with service workers, or the sealbox command.");
  }
  return new BlobSink(name);
}
