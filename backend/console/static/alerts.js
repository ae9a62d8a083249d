// The kiosks' staff calls and device problems on every console page (backend/console/alerts.py).
// The banner is rendered with the page; this asks for it again every 2.5 s and replaces it when
// it changed. Acknowledge buttons are plain forms; with this script they are sent in place.
(function () {
  "use strict";
  var INTERVAL_MS = 2500;
  var region = document.getElementById("staff-alerts");
  if (!region || !window.fetch) {
    return;
  }
  var source = region.getAttribute("data-source");
  var shown = null;
  var timer = null;

  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, delay);
  }

  function refresh() {
    fetch(source, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 401) {
          window.location.reload(); // the session ended: the page goes to the login page
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null && html !== shown) {
          shown = html;
          var focusedInside = region.contains(document.activeElement);
          region.innerHTML = html;
          if (focusedInside) {
            var next = region.querySelector("button");
            (next || document.getElementById("main")).focus();
          }
        }
      })
      .catch(function () {})
      .then(function () {
        schedule(INTERVAL_MS);
      });
  }

  region.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("alert-ack")) {
      return;
    }
    event.preventDefault();
    var body = new URLSearchParams(new FormData(form));
    fetch(form.getAttribute("action"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
      body: body,
    })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          form.submit(); // let the server say what is wrong, as a page
        }
      })
      .catch(function () {})
      .then(function () {
        schedule(0);
      });
  });

  schedule(INTERVAL_MS);
})();
