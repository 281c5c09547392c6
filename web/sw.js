// Tessera's service worker (the build fills in PRECACHE and VERSION; vite.config.ts).
// - The app's files (hashed names under /app/, plus the shell) are cached at install, so
//   the app opens offline; an old version's cache is dropped when a new one activates.
// - Page navigations go to the network first and fall back to the cached shell offline.
// - API calls are never cached here: the app keeps today's lesson itself, per account,
//   and queues answers (src/learner/offline.ts).
const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const CACHE = `tessera-app-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("tessera-app-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).catch(() => caches.match("/index.html", { cacheName: CACHE }).then((r) => r ?? Response.error())),
    );
    return;
  }
  if (url.pathname.startsWith("/app/") || PRECACHE.includes(url.pathname)) {
    event.respondWith(caches.match(request, { cacheName: CACHE }).then((hit) => hit ?? fetch(request)));
  }
});

// Web Push (docs/notifications.md): the server's message is JSON {notification_id, kind,
// title, body, data, urgent}; shown as a system notification, opening the app on a click.
self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = { title: "Tessera", body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(message.title || "Tessera", {
      body: message.body || "",
      tag: message.kind || "tessera",
      renotify: Boolean(message.urgent),
      requireInteraction: Boolean(message.urgent),
      icon: "/icon.svg",
      data: { kind: message.kind, id: message.notification_id },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = event.notification.data?.kind === "struggle_alert" ? "/console/alerts" : "/";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
      return open ? open.focus().then((w) => w.navigate(target)) : self.clients.openWindow(target);
    }),
  );
});
