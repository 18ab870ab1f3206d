// Draws every Vega-Lite chart of the report page from the JSON spec blocks the server embedded
// (<script type="application/json" class="chart-spec" data-target="ID">); no inline scripts.
// vega-embed runs with its AST interpreter (ast: true): no eval, so the CSP needs no 'unsafe-eval'.
(function () {
  "use strict";
  if (typeof vegaEmbed !== "function") { return; }
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  var blocks = document.querySelectorAll("script.chart-spec[type='application/json']");
  Array.prototype.forEach.call(blocks, function (specEl) {
    var target = document.getElementById(specEl.getAttribute("data-target"));
    if (!target) { return; }
    var options = { renderer: "svg", actions: false, ast: true };
    if (dark) { options.theme = "dark"; }
    vegaEmbed(target, JSON.parse(specEl.textContent), options)
      .then(function () { target.setAttribute("data-rendered", "true"); })
      .catch(function (err) {
        target.setAttribute("data-rendered", "error");
        target.textContent = "The chart could not be drawn: " + err.message;
      });
  });
})();
