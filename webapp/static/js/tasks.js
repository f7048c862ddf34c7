// Task page: poll the task's state once a second until it finishes, then show the outcome.
(function () {
  "use strict";
  var box = document.querySelector("[data-task-status]");
  if (!box) return;
  var finished = ["done", "failed", "interrupted"];
  if (finished.indexOf(box.dataset.state) >= 0) return;
  function poll() {
    fetch(box.dataset.taskStatus, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        var bar = box.querySelector("progress");
        if (state.percent !== null) { bar.value = state.percent; box.querySelector(".task-percent").textContent = state.percent + " %"; }
        box.querySelector(".task-message").textContent = state.message || "";
        if (finished.indexOf(state.status) >= 0) { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
