// Evaluation forms: show the conflict type only when a conflict is declared, and warn before leaving a
// score form with unsaved changes.
(function () {
  "use strict";
  var coi = document.querySelector("form.evaluation-coi");
  if (coi) {
    var typeField = coi.querySelector("[name=conflict_type]");
    var noteField = coi.querySelector("[name=note]");
    var sync = function () {
      var chosen = coi.querySelector("[name=declaration]:checked");
      var conflict = chosen && chosen.value === "conflict";
      [typeField, noteField].forEach(function (el) {
        if (el) { el.closest(".mb-3").hidden = !conflict; }
      });
    };
    coi.addEventListener("change", sync);
    sync();
  }
  var scores = document.querySelector("form.evaluation-scores");
  if (scores) {
    var dirty = false;
    scores.addEventListener("input", function () { dirty = true; });
    scores.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });
  }
})();
