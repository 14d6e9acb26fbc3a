// Attain charts: draws every <div data-vega-spec="id"> from the JSON in <script type="application/json" id="id">.
// CSP-safe (no eval, no inline script or style): Vega's expression interpreter, no injected style sheets.
// The text alternative sits on the figure's wrapper (role="img"), which Vega does not touch.
// Specs come from attain.web.charts.chart_html; without JavaScript the page's tables carry the numbers.
(function () {
  "use strict";

  function draw(view) {
    var source = document.getElementById(view.getAttribute("data-vega-spec"));
    if (!source || typeof window.vegaEmbed !== "function") { return; }
    var spec;
    try { spec = JSON.parse(source.textContent); } catch (error) { return; }
    window.vegaEmbed(view, spec, {
      ast: true,
      expr: window.vega.expressionInterpreter,
      actions: false,
      renderer: "svg",
      defaultStyle: false,
      tooltip: { disableDefaultStyle: true }  // its <style> element would break the CSP: app.css styles it
    }).then(function () {
      view.setAttribute("data-chart-ready", "true");
    }).catch(function (error) {
      view.setAttribute("data-chart-error", String(error && error.message || error));
    });
  }

  function drawAll() {
    document.querySelectorAll("[data-vega-spec]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
  window.attainCharts = { draw: draw, drawAll: drawAll };
})();
