// Draws the dashboard's Vega-Lite charts from the specs the server embedded as JSON: every
// <script type="application/json" class="vl-spec" data-target="ID"> is drawn into the element
// with that id (and the condition chart's spec, #condition-chart-spec, into #condition-chart).
// Each target gets data-rendered="true" when drawn, "error" when it could not be.
// vega-embed runs with its AST interpreter (ast: true): no eval, so the CSP needs no 'unsafe-eval'.
(function () {
  "use strict";
  if (typeof vegaEmbed !== "function") { return; }
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;

  function draw(specEl, target) {
    if (!specEl || !target) { return; }
    var options = { renderer: "svg", actions: false, ast: true };
    if (dark) { options.theme = "dark"; }
    var spec;
    try {
      spec = JSON.parse(specEl.textContent);
    } catch (err) {
      target.setAttribute("data-rendered", "error");
      target.textContent = "The chart could not be drawn: " + err.message;
      return;
    }
    vegaEmbed(target, spec, options)
      .then(function () { target.setAttribute("data-rendered", "true"); })
      .catch(function (err) {
        target.setAttribute("data-rendered", "error");
        target.textContent = "The chart could not be drawn: " + err.message;
      });
  }

  var specs = document.querySelectorAll('script[type="application/json"].vl-spec[data-target]');
  Array.prototype.forEach.call(specs, function (el) {
    draw(el, document.getElementById(el.getAttribute("data-target")));
  });
  var legacy = document.getElementById("condition-chart-spec");
  if (legacy && !legacy.classList.contains("vl-spec")) {
    draw(legacy, document.getElementById("condition-chart"));
  }
})();
