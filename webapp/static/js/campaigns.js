// Campaign form: a live preview of the monitoring query while it is typed, and an
// "Add a message" button for key messages. Without JavaScript the form's own buttons do both.
// Article titles come from the web: they are only ever set with textContent.
(function () {
  "use strict";

  var DELAY_MS = 400;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  // -- Live preview of the query ----------------------------------------------------------

  function setUpPreview() {
    var input = document.querySelector("[data-preview-input]");
    var box = document.getElementById("query-preview");
    if (!input || !box || !window.fetch) return;
    var timer = null;
    var controller = null;
    var lastQuery = null;

    function showError(error) {
      var wrap = element("div", "preview-error");
      wrap.appendChild(element("p", "field-error", error.message));
      var pre = element("pre", "query-caret");
      pre.appendChild(element("code", null, error.excerpt + "\n" + error.caret));
      wrap.appendChild(pre);
      box.appendChild(wrap);
    }

    function showMatch(list, match) {
      var item = element("li");
      var link = element("a", null, match.title || box.dataset.untitled);
      link.href = match.link;
      item.appendChild(link);
      item.appendChild(document.createTextNode(" "));
      var meta = element("span", "meta");
      [match.outlet, match.date_label, match.status_label].forEach(function (part) {
        if (part) meta.appendChild(element("span", null, part));
      });
      item.appendChild(meta);
      if (match.hits && match.hits.length) {
        item.appendChild(document.createTextNode(" "));
        item.appendChild(element("span", "hits", box.dataset.found + " " + match.hits.join(", ")));
      }
      list.appendChild(item);
    }

    function show(data) {
      clear(box);
      if (!data.valid) {
        showError(data.error);
        return;
      }
      var summary = element("p", "preview-summary");
      summary.appendChild(element("strong", null, data.summary));
      if (data.note) {
        summary.appendChild(document.createTextNode(" "));
        summary.appendChild(element("span", "help", data.note));
      }
      box.appendChild(summary);
      if (data.matches.length) {
        var list = element("ol", "preview-matches");
        data.matches.forEach(function (match) { showMatch(list, match); });
        box.appendChild(list);
      }
    }

    function run() {
      var query = input.value;
      if (query === lastQuery) return;
      lastQuery = query;
      if (controller) controller.abort();
      if (!query.trim()) {
        clear(box);
        box.removeAttribute("aria-busy");
        return;
      }
      controller = window.AbortController ? new AbortController() : null;
      box.setAttribute("aria-busy", "true");
      clear(box);
      box.appendChild(element("p", "help", box.dataset.checking));
      var url = box.dataset.previewUrl + "?q=" + encodeURIComponent(query);
      fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined
      })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (data) {
          if (query !== input.value) return; // typed on meanwhile: a newer request follows
          box.removeAttribute("aria-busy");
          show(data);
        })
        .catch(function (error) {
          if (error.name === "AbortError") return;
          box.removeAttribute("aria-busy");
          clear(box);
          box.appendChild(element("p", "field-error", box.dataset.failed));
          lastQuery = null; // let the next keystroke try again
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(run, DELAY_MS);
    });
    // A page without a preview yet (a fresh form, a campaign opened for editing): show one.
    if (input.value.trim() && !box.querySelector("p, div")) run();
    else lastQuery = input.value;
  }

  // -- Key message rows ---------------------------------------------------------------------

  function setUpMessages() {
    var rows = document.getElementById("message-rows");
    var template = document.getElementById("message-row-template");
    var button = document.getElementById("add-message");
    if (!rows || !template || !button || !("content" in template)) return;

    function nextIndex() {
      var highest = -1;
      rows.querySelectorAll("[data-message-row]").forEach(function (row) {
        highest = Math.max(highest, parseInt(row.dataset.index, 10));
      });
      return highest + 1;
    }

    function isBlank(row) {
      return Array.prototype.every.call(row.querySelectorAll("input, textarea"), function (field) {
        return field.type === "checkbox" || !field.value.trim();
      });
    }

    // With the button, one blank row is enough: drop the extra ones offered without script.
    var blank = Array.prototype.filter.call(rows.querySelectorAll("[data-message-row]"), isBlank);
    blank.slice(1).forEach(function (row) { row.parentNode.removeChild(row); });

    button.hidden = false;
    button.addEventListener("click", function () {
      var index = String(nextIndex());
      var fragment = template.content.cloneNode(true);
      fragment.querySelectorAll("[name], [id], [for], [data-index]").forEach(function (node) {
        ["name", "id", "for", "data-index"].forEach(function (attribute) {
          var value = node.getAttribute(attribute);
          if (value) node.setAttribute(attribute, value.replace("__index__", index));
        });
      });
      var row = fragment.querySelector("[data-message-row]");
      rows.appendChild(fragment);
      row.querySelector("input:not([type=hidden])").focus();
    });
  }

  setUpPreview();
  setUpMessages();
})();
