// Client-side filtering for the cespec HTML report. Optional: without
// script the whole report is shown and the filter form stays hidden.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) { return; }
  form.hidden = false;
  var items = document.querySelectorAll("[data-status]");
  var shown = document.getElementById("shown");
  function apply() {
    var status = form.elements.status.value;
    var target = form.elements.target.value;
    var suite = form.elements.suite.value;
    var count = 0;
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      var show = (!status || el.getAttribute("data-status") === status) &&
        (!target || el.getAttribute("data-target") === target) &&
        (!suite || el.getAttribute("data-suite") === suite);
      el.hidden = !show;
      // Deviations shown: articles, and the rows of the known-failure folds.
      if (show && (el.tagName === "ARTICLE" || el.closest("#known"))) { count++; }
    }
    if (shown) { shown.textContent = String(count); }
  }
  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  apply();
}());
