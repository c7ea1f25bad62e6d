// Behaviour of the survey pages. No inline scripts (CSP): everything hangs off data-*
// attributes, and every page works without this file too.
(function () {
  "use strict";

  // Ask before a step that cannot be undone by the user (submit, approve).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var message = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // Warn before leaving an entrepreneur's form with unsaved changes.
  var guarded = document.querySelector("form[data-dirty-guard]");
  if (guarded) {
    var dirty = false;
    guarded.addEventListener("input", function () { dirty = true; });
    guarded.addEventListener("change", function () { dirty = true; });
    guarded.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) {
        event.preventDefault();
        event.returnValue = guarded.getAttribute("data-dirty-guard");
      }
    });
  }
})();
