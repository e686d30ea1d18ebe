// Corpus dashboard: draws each chart from the Vega-Lite spec embedded in the page (built
// server-side by Altair); a click on a mark opens its drill-down URL (each row carries it,
// and the data table under the chart links the same pages for keyboard users). Works under the
// app's CSP (no eval: Vega's expression interpreter; no injected styles).
"use strict";

(function () {
  function draw(el) {
    const name = el.dataset.name;
    const holder = document.getElementById("spec-" + name);
    if (!holder || typeof vegaEmbed !== "function") return;
    const data = JSON.parse(holder.textContent);
    const options = {
      ast: true, renderer: "canvas", actions: false, defaultStyle: false,
      tooltip: { disableDefaultStyle: true },
    };
    vegaEmbed(el, data.spec, options).then(function (result) {
      result.view.addEventListener("click", function (_event, item) {
        const datum = item && item.datum;
        if (!datum) return;
        if (datum.drill) window.location.href = datum.drill;  // built by the server, as the table's links
      });
    }).catch(function (err) {
      el.textContent = "The chart could not be drawn (" + err.message + "); its data is below.";
    });
  }

  document.querySelectorAll(".chart[data-name]").forEach(draw);
})();
