// The navigation's live counts (templates/includes/nav_live.html) do not poll while the tab is
// hidden; htmx asks again when it shows ("visibilitychange from:document").
document.addEventListener("htmx:beforeRequest", function (event) {
  if (document.visibilityState === "hidden" && event.detail.elt.hasAttribute("data-live")) {
    event.preventDefault();
  }
});
