{% load static %}/* The field app's service worker (cases.views.offline), built on Workbox (static/vendor/workbox).
 *
 * - Pages (navigations): network first, the phone's copy when there is no signal (or none within 5 s).
 *   Only pages the server marks as the signed-in field user's (header X-Offline-User) are kept, and
 *   only while they are the phone's owner's (offline.js keeps the owner in the "offline-owner" cache).
 * - Static files: the kept copy at once, refreshed in the background.
 * - A page that was not kept answers the "not kept" page; a form is never answered from a copy
 *   (POSTs go to the network: the outbox in offline.js keeps what could not be sent).
 */
importScripts("{% static 'vendor/workbox/workbox-sw.js' %}");
workbox.setConfig({ debug: false, modulePathPrefix: "{% static 'vendor/workbox/' %}" });

const PAGES = "pages";
const STATIC = "static";
const OWNER = "offline-owner";
const NOT_KEPT = "{% url 'cases:offline' %}";
const NEVER = /^\/(admin|api|accounts|media|sw\.js|manifest\.webmanifest|i18n)\b|\.(xlsx|pdf|csv)$/;

async function owner() {
  const cache = await caches.open(OWNER);
  const answer = await cache.match("/owner");
  return answer ? answer.text() : "";
}

// Keep a page only if it is the phone owner's field page.
const ownPagesOnly = {
  cacheWillUpdate: async ({ response }) => {
    const user = response && response.status === 200 && !response.redirected && response.headers.get("X-Offline-User");
    return user && user === (await owner()) ? response : null;
  },
};

workbox.core.skipWaiting();
workbox.core.clientsClaim();

workbox.routing.registerRoute(
  ({ request, url }) => request.mode === "navigate" && url.origin === self.location.origin && !NEVER.test(url.pathname),
  // Pages vary by Cookie and Accept-Language: the kept ones are the phone owner's, in the language they were kept in.
  new workbox.strategies.NetworkFirst({
    cacheName: PAGES,
    networkTimeoutSeconds: 5,
    plugins: [ownPagesOnly],
    matchOptions: { ignoreVary: true },
  })
);

workbox.routing.registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname.startsWith("{% get_static_prefix %}"),
  new workbox.strategies.StaleWhileRevalidate({
    cacheName: STATIC,
    plugins: [new workbox.cacheableResponse.CacheableResponsePlugin({ statuses: [200] })],
  })
);

workbox.routing.setCatchHandler(async ({ request }) => {
  if (request.mode === "navigate") {
    const page = await caches.match(NOT_KEPT, { cacheName: PAGES, ignoreVary: true });
    if (page) return page;
  }
  return Response.error();
});
