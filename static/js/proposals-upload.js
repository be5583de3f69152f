// Annex upload with a progress bar. The server checks the file by content and size; its JSON answer
// names what is wrong. Without JavaScript the form posts normally.
(function () {
  "use strict";
  var form = document.getElementById("annex-upload");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var progress = document.getElementById("annex-progress");
  var bar = progress ? progress.querySelector(".progress-bar") : null;
  var error = document.getElementById("annex-upload-error");
  var gettext = window.gettext || function (s) { return s; };

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", form.querySelector("input[name='csrfmiddlewaretoken']").value);
    if (progress) { progress.classList.remove("d-none"); }
    error.textContent = "";
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable || !bar) { return; }
      var pct = Math.round((e.loaded / e.total) * 100);
      bar.style.width = pct + "%";
      progress.setAttribute("aria-valuenow", String(pct));
    });
    xhr.addEventListener("load", function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (ignore) { body = {}; }
      if (xhr.status === 200 && body.redirect) {
        window.location.assign(body.redirect);
        return;
      }
      var messages = [];
      Object.keys(body.errors || {}).forEach(function (key) { messages = messages.concat(body.errors[key]); });
      error.textContent = messages.join(" ") || gettext("The upload failed.");
      if (progress) { progress.classList.add("d-none"); }
    });
    xhr.addEventListener("error", function () {
      error.textContent = gettext("The upload was interrupted. The file may be too large.");
      if (progress) { progress.classList.add("d-none"); }
    });
    xhr.send(new FormData(form));
  });
})();
