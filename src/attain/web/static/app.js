// Attain progressive enhancement: every page works without this file.
// - forms with data-confirm ask before submitting (deactivate, revoke);
// - search forms with data-live-search="#id" refresh that region as you type (fetch + swap),
//   keeping the URL in step so the back button and links work.
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
})();
