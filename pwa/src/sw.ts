/// <reference lib="webworker" />
// The service worker: precaches the app shell (so it opens offline), answers every client-side
// route with index.html, and activates a new version only when the user accepts the update.
import { clientsClaim } from 'workbox-core'
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { CacheFirst } from 'workbox-strategies'

declare let self: ServiceWorkerGlobalScope

cleanupOutdatedCaches()
precacheAndRoute(self.__WB_MANIFEST)

// server addresses are never the app's routes
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), {
    denylist: [/^\/api\//, /^\/ws/, /^\/schema/, /^\/(healthz|readyz|metrics)$/],
  }),
)

// the camera's decoder: hashed, so cache-first is safe; fetched only on first camera use
registerRoute(({ url }) => url.pathname.endsWith('.wasm'), new CacheFirst({ cacheName: 'scanner-wasm' }))

self.addEventListener('message', (event) => {
  if (event.data?.type === 'SKIP_WAITING') void self.skipWaiting()
})

// the first install takes over open pages at once, so the shell is cached and served offline
// without a second load; later versions wait for the user (see main.tsx)
clientsClaim()
