// Draws the dashboard's Vega-Lite chart from the spec the server embedded as JSON.
// vega-embed runs with its AST interpreter (ast: true): no eval, so the CSP needs no 'unsafe-eval'.
(function () {
  "use strict";
  var specEl = document.getElementById("condition-chart-spec");
  var target = document.getElementById("condition-chart");
  if (!specEl || !target || typeof vegaEmbed !== "function") { return; }
  var spec = JSON.parse(specEl.textContent);
  var options = { renderer: "svg", actions: false, ast: true };
  if (window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches) {
    options.theme = "dark";
  }
  vegaEmbed(target, spec, options)
    .then(function () { target.setAttribute("data-rendered", "true"); })
    .catch(function (err) {
      target.setAttribute("data-rendered", "error");
      target.textContent = "The chart could not be drawn: " + err.message;
    });
})();
