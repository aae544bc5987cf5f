// The new-post form: when the author picks a category, show at once what stops them from
// submitting a post of it (server-rendered per category in data-eligibility-for; the server
// shows the one for the category it rendered with, so this only follows a change).
// No inline script (CSP).
(function () {
  "use strict";

  function follow(select) {
    var form = select.form;
    if (!form) return;
    form.querySelectorAll("[data-eligibility-for]").forEach(function (box) {
      box.hidden = box.getAttribute("data-eligibility-for") !== select.value;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("select[name='category']")) follow(event.target);
  });
})();
