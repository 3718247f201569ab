/* "Here, where I am": the browser's location picks the spot of a need. Without it (or
   without permission) the map's hexagons are links that do the same. */
const here = document.getElementById("here");
if (here && "geolocation" in navigator) {
  here.hidden = false;
  here.addEventListener("click", () => {
    here.disabled = true;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const { latitude, longitude } = position.coords;
        const circle = encodeURIComponent(here.dataset.circle);
        window.location.href = `/needs/new?circle=${circle}&lat=${latitude.toFixed(5)}&lon=${longitude.toFixed(5)}`;
      },
      () => { here.disabled = false; },
      { timeout: 10000 }
    );
  });
}
