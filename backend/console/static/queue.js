// Today's queue, live: fetch the table (/staff/queue/rows, same filters) every few seconds and
// put it in place when it changed, keeping the keyboard focus on the same link. Without
// JavaScript the page's 更新 link does the same by hand. No inline script: the CSP is 'self'.
(function () {
  "use strict";
  function start() {
    var region = document.getElementById("queue-table");
    if (!region || !window.fetch) return;
    var url = region.getAttribute("data-rows-url");
    var every = parseInt(region.getAttribute("data-refresh-ms"), 10) || 3000;
    var last = region.innerHTML;
    var busy = false;
    function refresh() {
      if (busy || document.hidden) return;
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" }, cache: "no-store" })
        .then(function (response) {
          if (response.status === 401) {
            window.location.href = response.headers.get("HX-Redirect") || "/staff/login";
            return null;
          }
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          if (html === null || html === last) return;
          var focused = document.activeElement;
          var keep = focused && region.contains(focused) ? focused.getAttribute("href") : null;
          region.innerHTML = html;
          last = region.innerHTML;
          if (keep) {
            var again = region.querySelector('a[href="' + keep.replace(/"/g, "") + '"]');
            if (again) again.focus();
          }
        })
        .catch(function () { /* the next round tries again */ })
        .then(function () { busy = false; });
    }
    window.setInterval(refresh, every);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
