// Press actions: a search box that narrows the list of contacts on the action form. The form
// works without it (every contact is listed).
(function () {
  "use strict";
  var box = document.querySelector("[data-people-filter]");
  var table = document.getElementById("people-table");
  if (!box || !table) return;
  var input = box.querySelector("input");
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-person]"));
  box.hidden = false;

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  input.addEventListener("input", function () {
    var words = fold(input.value).split(/\s+/).filter(Boolean);
    rows.forEach(function (row) {
      var text = fold(row.getAttribute("data-person") || "");
      var ticked = row.querySelector("input:checked");
      var shown = !words.length || ticked || words.every(function (w) { return text.indexOf(w) >= 0; });
      row.hidden = !shown;
    });
  });
  // Enter in the search box must not send the form.
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") event.preventDefault();
  });
})();
