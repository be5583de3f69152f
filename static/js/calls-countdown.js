// Countdown to a call's deadline: every element with class "js-countdown" and a data-deadline
// (ISO 8601 instant) shows the time left, updated each second. No inline script (CSP).
(function () {
  "use strict";
  function pad(n) { return String(n).padStart(2, "0"); }
  function render(el) {
    var deadline = Date.parse(el.dataset.deadline);
    if (isNaN(deadline)) { return false; }
    var left = Math.floor((deadline - Date.now()) / 1000);
    if (left <= 0) {
      el.textContent = el.dataset.labelPassed || "";
      return false;
    }
    var days = Math.floor(left / 86400);
    var hours = Math.floor((left % 86400) / 3600);
    var minutes = Math.floor((left % 3600) / 60);
    var seconds = left % 60;
    el.textContent = days + " d " + pad(hours) + ":" + pad(minutes) + ":" + pad(seconds) + " " + (el.dataset.labelLeft || "");
    return true;
  }
  function start() {
    var elements = Array.prototype.slice.call(document.querySelectorAll(".js-countdown"));
    function tick() {
      elements = elements.filter(render);
      if (elements.length) { window.setTimeout(tick, 1000); }
    }
    tick();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
