// Follows a running import: polls its status and reloads the page when its state changes.
(function () {
  "use strict";
  var box = document.getElementById("import-state");
  if (!box || !box.dataset.statusUrl) return;
  var state = box.dataset.state;
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status) { return setTimeout(poll, 3000); }
        if (status.state !== state) { window.location.reload(); return; }
        var bar = document.getElementById("progress");
        if (bar) { bar.value = status.progress; bar.textContent = status.progress + "%"; }
        var step = document.getElementById("step");
        if (step) { step.textContent = status.step; }
        var done = document.getElementById("rows-done");
        if (done) { done.textContent = status.rows_done; }
        var total = document.getElementById("rows-total");
        if (total) { total.textContent = status.rows_total; }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 700);
})();
