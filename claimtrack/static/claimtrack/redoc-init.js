"use strict";
// Starts ReDoc from the container's data attributes (claimtrack/templates/claimtrack/redoc.html):
// a file, so that the page needs no inline script under the CSP.
(function () {
  const container = document.getElementById("redoc-container");
  const settings = JSON.parse(container.dataset.settings || "{}");
  Redoc.init(container.dataset.specUrl, settings, container);
})();
