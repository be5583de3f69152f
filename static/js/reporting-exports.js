// Follows the progress of export jobs: polls each unfinished job's JSON status endpoint, moves its
// progress bar, and shows the download link when the file is ready. No inline script (CSP).
(function () {
  "use strict";
  var POLL_MS = 1500;
  var downloadLabel = (document.getElementById("download-label") || {}).innerHTML || "Download";

  function done(status) {
    return status === "finished" || status === "failed";
  }

  function poll(row) {
    fetch(row.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (job) {
        row.dataset.status = job.status;
        var bar = row.querySelector(".export-progress");
        if (bar) { bar.value = job.progress; bar.textContent = job.progress + " %"; }
        var label = row.querySelector(".export-status");
        if (label) { label.textContent = job.status_label; }
        if (job.error && !row.querySelector(".export-error")) {
          var error = document.createElement("span");
          error.className = "text-danger export-error";
          error.textContent = " " + job.error;
          label.after(error);
        }
        var cell = row.querySelector(".export-download");
        if (job.download_url && cell && !cell.querySelector("a")) {
          var link = document.createElement("a");
          link.href = job.download_url;
          link.textContent = downloadLabel;
          cell.appendChild(link);
        }
        if (!done(job.status)) { window.setTimeout(function () { poll(row); }, POLL_MS); }
      })
      .catch(function () { window.setTimeout(function () { poll(row); }, POLL_MS * 4); });
  }

  document.querySelectorAll("tr.export-job").forEach(function (row) {
    if (!done(row.dataset.status)) { poll(row); }
  });
})();
