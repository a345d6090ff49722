/* Lists: a Print button ([data-print]) prints the page (the print stylesheet in hub.css leaves out
   navigation and buttons); a "select all on this page" box ([data-select-all="<form id>"]) ticks every
   row box of its form; [data-selected-count] says how many rows are ticked. No inline script (the
   Content-Security-Policy forbids it). */
(function () {
  "use strict";

  function rowBoxes(formId) {
    var form = document.getElementById(formId);
    if (!form) return [];
    return Array.prototype.slice.call(document.querySelectorAll('input[type="checkbox"][name="accounts"][form="' + formId + '"], #' + formId + ' input[type="checkbox"][name="accounts"]'));
  }

  function updateCount(formId) {
    var boxes = rowBoxes(formId);
    var ticked = boxes.filter(function (b) { return b.checked; }).length;
    document.querySelectorAll('[data-selected-count="' + formId + '"]').forEach(function (el) {
      el.textContent = ticked + (ticked === 1 ? " row selected" : " rows selected");
    });
    document.querySelectorAll('[data-select-all="' + formId + '"]').forEach(function (all) {
      all.checked = boxes.length > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.closest && target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target || target.type !== "checkbox") return;
    var formId = target.getAttribute("data-select-all");
    if (formId) {
      rowBoxes(formId).forEach(function (b) { b.checked = target.checked; });
      updateCount(formId);
      return;
    }
    if (target.name === "accounts") {
      updateCount(target.getAttribute("form") || (target.form && target.form.id));
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-select-all]").forEach(function (all) {
      updateCount(all.getAttribute("data-select-all"));
    });
  });
})();
