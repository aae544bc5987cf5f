// Keyboard shortcuts for reviewers, in the queue and on a post's page (the help dialog,
// templates/approvals/_shortcuts.html, lists them). Progressive enhancement: every key only
// moves focus to, or presses, a button or form that is on the page anyway. No inline script:
// the Content Security Policy forbids it; this file is served from the site itself.
(function () {
  "use strict";

  var current = null; // the queue row the keys act on

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("table[data-queue] tr[data-row]"));
  }

  function setCurrent(row) {
    if (!row) return;
    if (current && current !== row) current.classList.remove("current");
    current = row;
    row.classList.add("current");
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var at = all.indexOf(current);
    if (at === -1) {
      setCurrent(step > 0 ? all[0] : all[all.length - 1]);
      return;
    }
    setCurrent(all[Math.min(all.length - 1, Math.max(0, at + step))]);
  }

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function press(selector, scope) {
    var element = (scope || document).querySelector(selector);
    if (!element) return false;
    element.click();
    return true;
  }

  function focusOn(selector) {
    var element = document.querySelector(selector);
    if (!element) return false;
    element.focus();
    element.scrollIntoView({ block: "center" });
    return true;
  }

  function helpDialog() {
    return document.getElementById("shortcuts-help");
  }

  function showHelp() {
    var dialog = helpDialog();
    if (dialog && !dialog.open) dialog.showModal();
    return Boolean(dialog);
  }

  function selectedCount() {
    return document.querySelectorAll('input[type=checkbox][name=post][form=bulk]:checked').length;
  }

  function updateCount() {
    var label = document.querySelector("[data-bulk-count]");
    if (!label) return;
    var count = selectedCount();
    label.textContent = count ? "(" + count + ")" : "";
  }

  var keys = {
    j: function () { if (!rows().length) return false; move(1); return true; },
    k: function () { if (!rows().length) return false; move(-1); return true; },
    o: function () { return current ? press("a[data-open]", current) : false; },
    x: function () {
      if (!current) return false;
      var box = current.querySelector("input[type=checkbox][name=post]");
      if (!box) return false;
      box.checked = !box.checked;
      updateCount();
      return true;
    },
    c: function () {
      if (current && press("[data-action=claim]", current)) return true;
      return press("[data-claim-next]") || press(".actions [data-action=claim]");
    },
    a: function () {
      if (press("[data-form=approve] [data-action=approve]")) return true;
      return focusOn("[data-bulk=approve]");
    },
    r: function () {
      return focusOn("[data-form=reject] select") || focusOn(".bulk-bar select[name=reason_code]");
    },
    e: function () { return focusOn("[data-form=request_changes] textarea"); },
    "?": showHelp,
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var dialog = helpDialog();
    if (dialog && dialog.open) return; // the dialog has its own keys (Esc closes it)
    if (typing(event.target)) {
      // Esc leaves a text field, so the keys work again.
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.key === "Enter") {
      // Enter on a row opens it; on a link or a button it does what it always does.
      if (event.target && event.target.matches && event.target.matches("tr[data-row]")) {
        if (press("a[data-open]", event.target)) event.preventDefault();
      }
      return;
    }
    var action = keys[event.key];
    if (action && action()) event.preventDefault();
  });

  // A click on a row makes it the current one, so the keys continue from there.
  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("table[data-queue] tr[data-row]");
    if (row) {
      if (current && current !== row) current.classList.remove("current");
      current = row;
      row.classList.add("current");
    }
  });
  document.addEventListener("focusin", function (event) {
    var row = event.target.closest && event.target.closest("table[data-queue] tr[data-row]");
    if (row && row !== current) {
      if (current) current.classList.remove("current");
      current = row;
      row.classList.add("current");
    }
  });

  // Select all / none on this page, and the count beside the bulk buttons.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-select-all]")) {
      var boxes = document.querySelectorAll("table[data-queue] input[type=checkbox][name=post]");
      Array.prototype.forEach.call(boxes, function (box) { box.checked = target.checked; });
    }
    if (target.matches("[data-select-all], input[type=checkbox][name=post]")) updateCount();
  });

  // htmx swaps the queue when a filter changes: forget the row that is gone.
  document.addEventListener("htmx:afterSwap", function () {
    if (current && !document.body.contains(current)) current = null;
    reveal();
    updateCount();
  });

  // What only works with this script is hidden in the HTML, and shown here.
  function reveal() {
    Array.prototype.forEach.call(
      document.querySelectorAll("[data-shortcuts-open], [data-select-all]"),
      function (element) { element.hidden = false; }
    );
  }

  function init() {
    reveal();
    var opener = document.querySelector("[data-shortcuts-open]");
    if (opener) opener.addEventListener("click", showHelp);
    updateCount();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
