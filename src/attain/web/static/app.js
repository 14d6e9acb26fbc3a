// Attain progressive enhancement: every page works without this file.
// - forms with data-confirm ask before submitting (deactivate, revoke);
// - search forms with data-live-search="#id" refresh that region as you type (fetch + swap),
//   keeping the URL in step so the back button and links work;
// - a region with data-job-poll="url" follows a background run: it fetches the job record every
//   second and fills [data-job-field] / shows [data-job-show] until the job is done.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  function liveSearch(form) {
    var targetSelector = form.getAttribute("data-live-search");
    var timer = null;
    var inFlight = null;
    function refresh() {
      var params = new URLSearchParams(new FormData(form));
      params.delete("offset");
      var url = form.getAttribute("action") + "?" + params.toString();
      if (inFlight) { inFlight.abort(); }
      inFlight = new AbortController();
      fetch(url, { credentials: "same-origin", signal: inFlight.signal, headers: { "Accept": "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.querySelector(targetSelector);
          var current = document.querySelector(targetSelector);
          if (fresh && current) {
            current.replaceWith(fresh);
            window.history.replaceState(null, "", url);
          }
        })
        .catch(function () { /* aborted or offline: the submit button still works */ });
    }
    form.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 250);
    });
  }

  document.querySelectorAll("form[data-live-search]").forEach(liveSearch);

  function showJob(region, job) {
    region.querySelectorAll("[data-job-field]").forEach(function (node) {
      var value = job[node.getAttribute("data-job-field")];
      if (Array.isArray(value)) { value = value.join(", "); }
      node.textContent = value === null || value === undefined ? "" : String(value);
    });
    var bar = region.querySelector("progress");
    if (bar) { bar.value = job.percent; bar.textContent = job.percent + "%"; }
    var waiting = job.waiting_on && job.waiting_on.length > 0;
    region.querySelectorAll("[data-job-show]").forEach(function (node) {
      var when = node.getAttribute("data-job-show");
      node.hidden = !(when === job.state || (when === "waiting" && waiting) || (when === "running" && !job.done));
    });
    var link = region.querySelector("[data-job-link]");
    if (link && job.run_url) { link.setAttribute("href", job.run_url); }
  }

  function pollJob(region) {
    var url = region.getAttribute("data-job-poll");
    var failures = 0;
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
        .then(function (job) {
          failures = 0;
          showJob(region, job);
          if (!job.done) { window.setTimeout(tick, 1000); }
        })
        .catch(function () {
          failures += 1;
          if (failures < 30) { window.setTimeout(tick, 2000); }
        });
    }
    tick();
  }

  document.querySelectorAll("[data-job-poll]").forEach(pollJob);
})();
