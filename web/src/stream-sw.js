// SPDX-License-Identifier: AGPL-3.0-or-later
// The download service worker (spec/web-client.md, "Downloads"). It holds no key and runs no
// crypto: a page hands it plaintext chunks that the page has already verified, and it answers one
// download navigation under its scope (/assets/stream/) with a stream of those chunks. The page
// sends a chunk only when the stream asks for one, so at most a chunk or two wait here. If the
// page aborts (an integrity failure), the stream is errored and the browser marks the download
// failed; nothing is ever answered as complete unless the page said the last chunk verified.
// Its scope holds no page, so it controls none of the client's pages or their requests.

const pending = new Map(); // stream id -> { port, name, size }

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  const { type, id, name, size } = event.data ?? {};
  if (type === "ping") return; // a page keeps this worker awake while it streams a download
  const port = event.ports[0];
  if (type !== "stream" || !port || typeof id !== "string" || typeof name !== "string") return;
  pending.set(id, { port, name, size });
  port.postMessage({ type: "ready" });
});

/** RFC 6266 / RFC 8187: an ASCII fallback and the exact UTF-8 name. */
function disposition(name) {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%;]/g, "_");
  const utf8 = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}

function streamOf(entry) {
  const { port } = entry;
  return new ReadableStream({
    start(controller) {
      port.onmessage = ({ data }) => {
        if (data.type === "chunk") controller.enqueue(data.chunk);
        else if (data.type === "close") controller.close();
        else if (data.type === "abort") controller.error(new Error("the download failed verification"));
      };
    },
    pull() {
      port.postMessage({ type: "pull" });
    },
    cancel() {
      port.postMessage({ type: "cancel" });
    },
  }, new CountQueuingStrategy({ highWaterMark: 1 }));
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  const prefix = new URL(self.registration.scope).pathname;
  if (url.origin !== self.location.origin || !url.pathname.startsWith(prefix)) return;
  const id = url.pathname.slice(prefix.length).split("/")[0];
  const entry = pending.get(id);
  pending.delete(id);
  if (!entry) {
    // Not a stream this worker knows (it was restarted, or the id is stale): no download at all.
    event.respondWith(new Response(null, { status: 204 }));
    return;
  }
  const headers = {
    "Content-Type": "application/octet-stream",
    "Content-Disposition": disposition(entry.name),
    "X-Content-Type-Options": "nosniff",
  };
  if (Number.isSafeInteger(entry.size)) headers["Content-Length"] = String(entry.size);
  event.respondWith(new Response(streamOf(entry), { headers }));
});
