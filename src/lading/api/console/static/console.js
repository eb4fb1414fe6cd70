// The console's only script: the phone-width menu toggle and the live refresh of a run still running.
// Pages work without it (the navigation then stays open, a running run's page is reloaded by hand).
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".menu");
    var nav = document.getElementById("nav");
    if (button && nav) {
      button.addEventListener("click", function () {
        var open = nav.classList.toggle("open");
        button.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
    if (document.body.dataset.live === "1") {
      // A run not finished yet: read the page again until it is; open <details> stay open.
      var opened = function () {
        return Array.prototype.map.call(document.querySelectorAll("details[open]"), function (d) {
          return d.closest("[data-node]").dataset.node + "|" + d.className;
        });
      };
      var refresh = function () {
        fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
          .then(function (answer) { return answer.ok ? answer.text() : null; })
          .then(function (html) {
            if (html === null) { return; }
            var keep = opened();
            var fresh = new DOMParser().parseFromString(html, "text/html");
            var main = document.getElementById("main");
            main.innerHTML = fresh.getElementById("main").innerHTML;
            keep.forEach(function (key) {
              var parts = key.split("|");
              var node = main.querySelector('[data-node="' + CSS.escape(parts[0]) + '"] details.' + parts[1]);
              if (node) { node.open = true; }
            });
            if (fresh.body.dataset.live === "1") { setTimeout(refresh, 1000); } else { delete document.body.dataset.live; }
          })
          .catch(function () { setTimeout(refresh, 3000); });
      };
      setTimeout(refresh, 1000);
    }
  });
})();
