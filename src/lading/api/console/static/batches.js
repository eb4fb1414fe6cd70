// A batch's live page: poll its progress.json (same origin, the session cookie) every second and update
// the numbers in place, without reloading; stop once the batch is final, then reveal "re-run the failed
// records" when some failed. Without JavaScript the page shows the state it was served with.
(function () {
  "use strict";
  var when = function (iso) {
    return iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "") + " UTC" : "—";
  };
  var show = {
    runsPerSecond: function (v) { return Number(v || 0).toFixed(1); },
    finishedAt: when
  };
  var apply = function (root, data) {
    Object.keys(data).forEach(function (key) {
      document.querySelectorAll('[data-field="' + key + '"]').forEach(function (node) {
        node.textContent = show[key] ? show[key](data[key]) : String(data[key]);
      });
    });
    var bar = document.getElementById("batch-bar");
    if (bar) {
      bar.max = data.runsCount || 1;
      bar.value = data.executedRunsCount;
      bar.textContent = data.percent + "%";
    }
    var badge = document.querySelector("#batch-status .status");
    if (badge && badge.textContent !== data.status) {
      badge.textContent = data.status;
      badge.className = "status status-" + data.status;
    }
    if (data.isFinal) {
      delete root.dataset.following;
      var note = root.querySelector("[data-following-note]");
      if (note) { note.hidden = true; }
      var rerun = document.getElementById("rerun");
      if (rerun && data.failedRunsCount > 0) { rerun.hidden = false; }
    }
  };
  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-batch-progress]");
    if (!root || root.dataset.following !== "1") { return; }
    var url = root.dataset.batchProgress;
    var poll = function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (answer) {
          if (answer.status === 401) { location.reload(); return null; }
          return answer.ok ? answer.json() : null;
        })
        .then(function (data) {
          if (data === null) { setTimeout(poll, 3000); return; }
          apply(root, data);
          if (!data.isFinal) { setTimeout(poll, 1000); }
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 1000);
  });
})();
