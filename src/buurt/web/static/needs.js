/* "Here, where I am": the browser's location picks the spot of a need (or of a search for
   stock, whose page names its own address in data-base). Without it (or without
   permission) the map's hexagons are links that do the same. */
const here = document.getElementById("here");
if (here && "geolocation" in navigator) {
  here.hidden = false;
  here.addEventListener("click", () => {
    here.disabled = true;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const { latitude, longitude } = position.coords;
        const circle = encodeURIComponent(here.dataset.circle);
        const base = here.dataset.base || `/needs/new?circle=${circle}`;
        window.location.href = `${base}&lat=${latitude.toFixed(5)}&lon=${longitude.toFixed(5)}`;
      },
      () => { here.disabled = false; },
      { timeout: 10000 }
    );
  });
}
