/* The home page's live moments: say when the stream is open, and drop the "no moments yet"
   hint once one arrives. htmx's SSE extension does the rest (see home.html). */
document.addEventListener("htmx:sseOpen", () => {
  const live = document.getElementById("moments-live");
  if (live) live.hidden = false;
});
document.addEventListener("htmx:sseError", () => {
  const live = document.getElementById("moments-live");
  if (live) live.hidden = true;
});
document.addEventListener("htmx:sseMessage", () => {
  const hint = document.getElementById("no-moments");
  if (hint) hint.remove();
});
