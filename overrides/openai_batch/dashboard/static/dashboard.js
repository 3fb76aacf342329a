// Live updates: the server streams each new rendering of <main id="live"> as a server-sent
// event; this swaps it in. Without this script the page still shows everything, only not live.
"use strict";
(function () {
  const url = document.body.dataset.events;
  const live = document.getElementById("live");
  const badge = document.getElementById("live-state");
  if (!url || !live || !window.EventSource) return;
  function mark(state, text) {
    badge.dataset.state = state;
    badge.textContent = text;
  }
  const source = new EventSource(url);
  source.addEventListener("open", function () { mark("live", "live"); });
  source.addEventListener("error", function () { mark("retrying", "reconnecting…"); });
  source.addEventListener("update", function (event) {
    // Keep the timeline's scroll position: the rows are replaced, not the reader's place.
    const scrolled = Array.from(live.querySelectorAll(".scroll"), function (el) { return el.scrollTop; });
    live.innerHTML = event.data;
    live.querySelectorAll(".scroll").forEach(function (el, i) { if (i < scrolled.length) el.scrollTop = scrolled[i]; });
    const stamp = new Date();
    mark("live", "live · updated " + stamp.toLocaleTimeString());
    live.dataset.updates = String(Number(live.dataset.updates || "0") + 1);
  });
})();
