// Note templates on the post page (reject, request changes, take down): picking a template
// fills the note, which the reviewer then edits; choosing a reason shows only the templates
// for it (and those for any reason). The options carry their text in data-body and their
// reason in data-reason (approvals.forms.NoteTemplateSelect). Without this script the
// server does the same: a template picked with an empty note comes back in the note.
// Delegated listeners, so forms swapped in by htmx work too. No inline script (CSP).
(function () {
  "use strict";

  function noteOf(form) {
    return form.querySelector("textarea[name$='note']");
  }

  function filterTemplates(form) {
    var select = form.querySelector("select[data-note-template]");
    var reason = form.querySelector("select[name$='reason_code']");
    if (!select || !reason) return;
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) return; // "No template"
      var wanted = option.getAttribute("data-reason");
      var shown = !reason.value || !wanted || wanted === reason.value;
      option.hidden = !shown;
      option.disabled = !shown;
      if (!shown && option.selected) select.value = "";
    });
  }

  function fillNote(select) {
    var form = select.form;
    var note = form && noteOf(form);
    var option = select.options[select.selectedIndex];
    if (!note || !option || !option.value) return;
    var text = option.getAttribute("data-body") || "";
    // Replace the note only while it is empty or still the last template's text: never
    // throw away what the reviewer wrote; add the template after it instead.
    var untouched = !note.value.trim() || note.value === note.getAttribute("data-from-template");
    note.value = untouched ? text : note.value.replace(/\s+$/, "") + "\n\n" + text;
    note.setAttribute("data-from-template", note.value);
    note.focus();
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("select[data-note-template]")) fillNote(target);
    else if (target.matches("select[name$='reason_code']") && target.form) filterTemplates(target.form);
  });

  function filterAll() {
    document.querySelectorAll("select[data-note-template]").forEach(function (select) {
      if (select.form) filterTemplates(select.form);
    });
  }
  document.addEventListener("DOMContentLoaded", filterAll);
  document.addEventListener("htmx:afterSettle", filterAll);
})();
