// A thing's page, live: new events from the Server-Sent Events stream update the state,
// the list of latest events and (redrawn on the server) the charts, without a reload.
// Without JavaScript or EventSource the page is complete as served; reload to refresh.
(function () {
  "use strict";
  var main = document.querySelector("main[data-stream]");
  if (!main || !window.EventSource || !window.fetch) {
    return;
  }
  var state = document.getElementById("state");
  var events = document.getElementById("events");
  var charts = document.getElementById("charts");
  var live = document.getElementById("live");
  var lastSeen = document.getElementById("last-seen");
  var redraw = null;
  var KEEP = 8;

  function dropEmpty(list) {
    var empty = list.querySelector(".empty");
    if (empty) {
      empty.remove();
    }
  }

  function flash(element) {
    element.classList.remove("fresh");
    void element.offsetWidth; // restart the highlight animation
    element.classList.add("fresh");
  }

  function showState(data) {
    dropEmpty(state);
    Object.keys(data.shown).sort().forEach(function (name) {
      var row = null;
      state.querySelectorAll("tr[data-field]").forEach(function (candidate) {
        if (candidate.dataset.field === name) {
          row = candidate;
        }
      });
      if (!row) {
        row = document.createElement("tr");
        row.dataset.field = name;
        row.appendChild(document.createElement("th")).textContent = data.labels[name];
        row.appendChild(document.createElement("td"));
        state.appendChild(row);
      }
      row.querySelector("td").textContent = data.shown[name];
      flash(row);
    });
    lastSeen.textContent = data.local_seen;
  }

  function showEvent(data) {
    dropEmpty(events);
    var item = document.createElement("li");
    item.appendChild(document.createElement("time")).textContent = data.local_time;
    item.appendChild(document.createTextNode(" "));
    item.appendChild(document.createElement("code")).textContent = data.kind;
    Object.keys(data.shown).sort().forEach(function (name) {
      var pair = item.appendChild(document.createElement("span"));
      pair.className = "kv";
      pair.textContent = data.labels[name] + " " + data.shown[name];
    });
    events.insertBefore(item, events.firstChild);
    flash(item);
    while (events.children.length > KEEP) {
      events.lastElementChild.remove();
    }
  }

  function redrawCharts() {
    // Several events in a burst cost one redraw.
    clearTimeout(redraw);
    redraw = setTimeout(function () {
      fetch(main.dataset.charts, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html !== null) {
            charts.innerHTML = html;
          }
        })
        .catch(function () { /* the next event tries again */ });
    }, 300);
  }

  var source = new EventSource(main.dataset.stream);
  source.addEventListener("open", function () { live.hidden = false; });
  source.addEventListener("error", function () { live.hidden = true; });
  source.addEventListener("thing-event", function (message) {
    var data = JSON.parse(message.data);
    showState(data);
    showEvent(data);
    redrawCharts();
  });
})();
