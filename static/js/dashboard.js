// The dashboards work without this file; it only saves clicks.
// - The province page's sorting and filter apply as soon as a choice changes.
// - The review desk gets a "select all" checkbox for approving several forms at once.
(function () {
  "use strict";

  var filters = document.getElementById("dashboard-filters");
  if (filters) {
    filters.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", function () { filters.submit(); });
    });
  }

  var all = document.getElementById("select-all");
  if (all) {
    var items = document.querySelectorAll("input.review-item");
    all.hidden = false;
    all.addEventListener("change", function () {
      items.forEach(function (item) { item.checked = all.checked; });
    });
    items.forEach(function (item) {
      item.addEventListener("change", function () {
        var checked = Array.prototype.filter.call(items, function (i) { return i.checked; });
        all.checked = checked.length === items.length;
        all.indeterminate = checked.length > 0 && checked.length < items.length;
      });
    });
  }
})();
