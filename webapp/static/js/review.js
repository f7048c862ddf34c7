// Review inbox: keyboard triage and actions without page reloads.
// Every form works without this script; here the forms are sent with fetch() (JSON answer with
// the clip's new card), the cards are walked with j/k, and single keys act on the current card.
(function () {
  "use strict";
  var root = document.getElementById("review");
  if (!root) return;
  root.classList.add("js");
  var list = document.getElementById("cards");
  var counter = document.getElementById("remaining");
  var statusLine = document.getElementById("review-status");
  var help = document.getElementById("shortcuts");
  var helpButton = root.querySelector("[data-open-help]");
  var bulk = document.getElementById("bulk");
  var selectedCount = document.getElementById("selected-count");
  var selectAll = root.querySelector("[data-select-all]");
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var token = tokenMeta ? tokenMeta.getAttribute("content") : "";
  var canReview = root.dataset.canReview === "1";
  var lang = document.documentElement.lang || "fr";
  var done = []; // stack of acted-on clip groups, newest last: [[id, ...], ...]
  var current = null;
  var busy = false;
  var TYPING = "select, textarea, [contenteditable], input:not([type=checkbox]):not([type=radio])" +
    ":not([type=button]):not([type=submit]):not([type=reset])";

  // -- cards and focus -------------------------------------------------------------------------

  function cards() {
    return list ? Array.prototype.slice.call(list.querySelectorAll(":scope > li.card")) : [];
  }
  function isPending(card) { return card && card.dataset.status === "new"; }

  function setCurrent(card, focus) {
    if (current && current !== card) current.classList.remove("current");
    current = card || null;
    if (!current) return;
    current.classList.add("current");
    if (focus) {
      current.focus({ preventScroll: true });
      current.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  }

  function move(step) {
    var all = cards();
    if (!all.length) return;
    var index = all.indexOf(current);
    var next = index < 0 ? all[step > 0 ? 0 : all.length - 1] : all[index + step];
    if (next) setCurrent(next, true);
  }

  // The next card awaiting review after ``card`` (else before it), for focus after an action.
  function nextPending(card) {
    var all = cards();
    var index = all.indexOf(card);
    for (var i = index + 1; i < all.length; i++) if (isPending(all[i])) return all[i];
    for (var j = index - 1; j >= 0; j--) if (isPending(all[j])) return all[j];
    return null;
  }

  function cardOf(element) { return element && element.closest ? element.closest("li.card") : null; }

  document.addEventListener("focusin", function (event) {
    var card = cardOf(event.target);
    if (card && list && list.contains(card)) setCurrent(card, false);
  });

  // -- messages and counters -------------------------------------------------------------------

  function say(message, isError) {
    if (!statusLine) return;
    statusLine.textContent = message || "";
    statusLine.classList.toggle("error", !!isError);
  }

  function setRemaining(value) {
    if (counter && typeof value === "number") {
      counter.textContent = new Intl.NumberFormat(lang).format(value);
    }
  }

  function selectedBoxes() {
    return Array.prototype.slice.call(document.querySelectorAll("input[data-select]:checked"));
  }

  function updateSelection() {
    var count = selectedBoxes().length;
    if (selectedCount) selectedCount.textContent = String(count);
    if (bulk) bulk.classList.toggle("has-selection", count > 0);
    cards().forEach(function (card) {
      var box = card.querySelector("input[data-select]");
      card.classList.toggle("selected", !!(box && box.checked));
    });
  }

  // -- talking to the server -------------------------------------------------------------------

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) throw new Error(body.message || body.error || response.statusText);
        return body;
      });
    });
  }

  function replaceCard(id, html) {
    var old = document.getElementById("clip-" + id);
    if (!old || !html) return old;
    var box = old.querySelector("input[data-select]");
    var wasSelected = box && box.checked;
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    var fresh = holder.content.firstElementChild;
    old.replaceWith(fresh);
    var freshBox = fresh.querySelector("input[data-select]");
    if (freshBox && wasSelected) freshBox.checked = true;
    if (current === old) current = fresh;
    return fresh;
  }

  // Apply an answer: new cards, counter, message; then focus the next card to review.
  function apply(body, focusField) {
    var ids = body.ids || (body.id !== undefined ? [body.id] : []);
    var cardsHtml = body.cards || {};
    if (body.card) cardsHtml[String(body.id)] = body.card;
    var anchor = current;
    ids.forEach(function (id) {
      var fresh = replaceCard(id, cardsHtml[String(id)]);
      if (anchor && anchor.dataset.clipId === String(id)) anchor = fresh;
    });
    setRemaining(body.remaining);
    say(body.message, false);
    updateSelection();
    if (!anchor) return;
    if (isPending(anchor)) {
      setCurrent(anchor, !focusField);
      var field = focusField && anchor.querySelector('[data-field="' + focusField + '"]');
      if (field) field.focus();
    } else {
      var next = nextPending(anchor);
      setCurrent(next || anchor, true);
    }
  }

  function submit(form, submitter, options) {
    options = options || {};
    if (busy) return Promise.resolve();
    var data = new FormData(form);
    if (submitter && submitter.name) data.set(submitter.name, submitter.value);
    var action = submitter && (submitter.dataset.action || submitter.value);
    busy = true;
    root.classList.add("busy");
    // A button of a form with several actions names its own (formaction).
    var url = (submitter && submitter.getAttribute("formaction")) || form.getAttribute("action");
    return post(url, data)
      .then(function (body) {
        var ids = body.ids || [body.id];
        if (action === "undo") done = done.filter(function (group) { return group.join() !== ids.join(); });
        else if (!options.noUndo) done.push(ids);
        apply(body, options.focusField);
      })
      .catch(function (error) { say(root.dataset.msgFailed + " " + error.message, true); })
      .then(function () { busy = false; root.classList.remove("busy"); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-ajax") || !root.contains(form)) return;
    event.preventDefault();
    submit(form, event.submitter || null);
  });

  // -- actions ---------------------------------------------------------------------------------

  function target() {
    if (current && root.contains(current)) return current;
    var first = cards().filter(isPending)[0];
    if (first) setCurrent(first, true);
    return first || null;
  }

  function act(name) {
    var card = target();
    var button = card && card.querySelector('[data-action="' + name + '"]');
    if (!button) return;
    if (name === "duplicate") {
      var field = button.form.querySelector('input[name="of"]');
      if (field && !field.value && !field.placeholder) {
        say(root.dataset.msgGiveOriginal, true);
        field.focus();
        return;
      }
    }
    submit(button.form, button);
  }

  function undoLast() {
    var group = done.pop();
    if (!group) {
      var card = target();
      var button = card && card.querySelector('[data-action="undo"]');
      if (button) submit(button.form, button);
      else say(root.dataset.msgNothingToUndo, true);
      return;
    }
    var data = new FormData();
    data.set("csrf_token", token);
    data.set("next", root.dataset.next || "");
    data.set("action", "undo");
    group.forEach(function (id) { data.append("ids", id); });
    var first = document.getElementById("clip-" + group[0]);
    if (first) setCurrent(first, false);
    busy = true;
    post(root.dataset.bulkUrl, data)
      .then(function (body) {
        apply(body);
        var back = document.getElementById("clip-" + group[0]);
        if (back) setCurrent(back, true);
      })
      .catch(function (error) { done.push(group); say(root.dataset.msgFailed + " " + error.message, true); })
      .then(function () { busy = false; });
  }

  function bulkAct(name) {
    if (!bulk) return;
    if (!selectedBoxes().length) { say(root.dataset.msgSelectFirst, true); return; }
    var button = bulk.querySelector('[data-bulk="' + name + '"]');
    submit(bulk, button);
  }

  function toggleSelection() {
    var card = target();
    var box = card && card.querySelector("input[data-select]");
    if (!box) return;
    box.checked = !box.checked;
    updateSelection();
  }

  function focusField(name) {
    var card = target();
    var field = card && card.querySelector('[data-field="' + name + '"]');
    if (field) field.focus();
  }

  function openOriginal() {
    var card = target();
    var link = card && card.querySelector("a[data-original]");
    if (link) window.open(link.href, "_blank", "noopener,noreferrer");
  }

  // A medium or campaign chosen in a card's list is saved at once (after a short pause, so that
  // walking the list with the arrow keys saves only the last choice).
  var pending = null;
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("input[data-select]")) { updateSelection(); return; }
    if (!field.dataset || !field.dataset.field || !root.contains(field)) return;
    if (!field.value) return;
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      var button = field.form.querySelector('[data-action="' + field.dataset.field + '"]');
      submit(field.form, button, { focusField: field.dataset.field === "medium" ? "medium" : null });
    }, 600);
  });

  if (selectAll) {
    selectAll.hidden = false;
    selectAll.addEventListener("click", function () {
      var boxes = Array.prototype.slice.call(list.querySelectorAll("input[data-select]"));
      var all = boxes.every(function (box) { return box.checked; });
      boxes.forEach(function (box) { box.checked = !all; });
      updateSelection();
    });
  }

  // -- help ------------------------------------------------------------------------------------

  function showHelp() {
    if (help && typeof help.showModal === "function" && !help.open) help.showModal();
  }
  if (helpButton && help && typeof help.showModal === "function") {
    helpButton.hidden = false;
    helpButton.addEventListener("click", showHelp);
  }

  // -- keys ------------------------------------------------------------------------------------

  var KEYS = {
    j: function () { move(1); },
    ArrowDown: function () { move(1); },
    k: function () { move(-1); },
    ArrowUp: function () { move(-1); },
    o: openOriginal,
    "?": showHelp
  };
  if (canReview) {
    KEYS.c = function () { act("confirm"); };
    KEYS.r = function () { act("reject"); };
    KEYS.d = function () { act("duplicate"); };
    KEYS.m = function () { focusField("medium"); };
    KEYS.g = function () { focusField("campaign"); };
    KEYS.u = undoLast;
    KEYS.x = toggleSelection;
    KEYS.C = function () { bulkAct("confirm"); };
    KEYS.R = function () { bulkAct("reject"); };
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (help && help.open) return; // the dialog closes itself with Esc
    var typing = event.target.closest && event.target.closest(TYPING);
    if (typing) {
      if (event.key === "Escape") {
        var card = cardOf(typing);
        if (card) { event.preventDefault(); setCurrent(card, true); }
      }
      return;
    }
    var handler = KEYS[event.key];
    if (!handler) return;
    event.preventDefault();
    handler();
  });

  updateSelection();
})();
