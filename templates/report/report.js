// Progressive enhancement only: the report reads fully without this.
(function () {
  "use strict";
  // Following a link into a collapsed transcript opens it.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    for (var p = el; p; p = p.parentElement) {
      if (p.tagName === "DETAILS") { p.open = true; }
    }
    if (el) { el.scrollIntoView(); }
  }
  window.addEventListener("hashchange", reveal);
  if (location.hash) { reveal(); }

  // Findings: show one severity at a time.
  var filters = document.querySelector("[data-filters]");
  if (filters) {
    filters.hidden = false;
    filters.addEventListener("click", function (e) {
      var b = e.target.closest("button[data-filter]");
      if (!b) { return; }
      var want = b.getAttribute("data-filter");
      filters.querySelectorAll("button").forEach(function (x) {
        x.setAttribute("aria-pressed", String(x === b));
      });
      document.querySelectorAll("[data-severity]").forEach(function (f) {
        f.hidden = want !== "all" && f.getAttribute("data-severity") !== want;
      });
    });
  }

  // Transcripts: open or close them all.
  var tools = document.querySelector("[data-transcript-tools]");
  if (tools) {
    tools.hidden = false;
    tools.addEventListener("click", function (e) {
      var b = e.target.closest("button[data-open]");
      if (!b) { return; }
      var open = b.getAttribute("data-open") === "1";
      document.querySelectorAll("#transcripts details.conversation").forEach(function (d) { d.open = open; });
    });
  }

  // Printing shows every transcript.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
})();
