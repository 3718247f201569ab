/* The few lines of script every page shares: the service worker, so Buurt installs on a phone
   and shows the last-seen pages offline. Pages work without any of it. */
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}
