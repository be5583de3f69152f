// Autosave of a proposal draft: posts the proposal's own fields with the lock_version the page
// started from. A 409 means a co-applicant saved meanwhile: nothing is overwritten, the user is told.
(function () {
  "use strict";
  var form = document.getElementById("proposal-form");
  if (!form) { return; }
  var url = form.getAttribute("data-autosave-url");
  var status = document.getElementById("autosave-status");
  var lock = form.querySelector("input[name='lock_version']");
  var fields = ["acronym", "title", "abstract", "keywords"];
  var timer = null;
  var stopped = false;
  var gettext = window.gettext || function (s) { return s; };

  function say(text, css) {
    if (!status) { return; }
    status.textContent = text;
    status.className = "small " + (css || "text-muted");
  }

  function save() {
    if (stopped || !lock) { return; }
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("input[name='csrfmiddlewaretoken']").value);
    data.append("lock_version", lock.value);
    fields.forEach(function (name) {
      var input = form.querySelector("[name='" + name + "']");
      if (input) { data.append(name, input.value); }
    });
    say(gettext("Saving…"));
    fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      })
      .then(function (result) {
        if (result.status === 200) {
          lock.value = result.body.lock_version;
          say(gettext("Draft saved."), "text-success");
        } else if (result.status === 409) {
          stopped = true;
          say(result.body.error, "text-danger");
        } else {
          say(gettext("Not saved yet: please check the highlighted fields."), "text-warning");
        }
      })
      .catch(function () { say(gettext("Could not reach the server; your text is still on this page."), "text-warning"); });
  }

  fields.forEach(function (name) {
    var input = form.querySelector("[name='" + name + "']");
    if (!input) { return; }
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, 1500);
    });
  });
})();
