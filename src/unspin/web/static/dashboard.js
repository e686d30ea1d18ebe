// Corpus dashboard: draws each chart from the Vega-Lite spec embedded in the page (built
// server-side by Altair) and turns a click on a mark into a drill-down URL. Works under the
// app's CSP (no eval: Vega's expression interpreter; no injected styles).
"use strict";

(function () {
  function drillUrl(name, query, datum) {
    const params = new URLSearchParams(query);
    if (name === "mix" || name === "heatmap") {
      if (datum.source && datum.source !== "(no source)") { params.delete("source"); params.append("source", datum.source); }
      params.set("focus", datum.technique);
    } else if (name === "trend") {
      params.set("bucket_start", datum.bucket_start);
      params.set("focus", datum.technique);
    } else if (name === "cooccurrence") {
      params.set("focus", datum.a);
      params.append("with", datum.a);
      if (datum.b !== datum.a) params.append("with", datum.b);
    }
    return "/corpus/documents?" + params.toString();
  }

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
        const missing = data.drill.some(function (key) { return datum[key] === undefined; });
        if (!missing) window.location.href = drillUrl(name, el.dataset.query, datum);
      });
    }).catch(function (err) {
      el.textContent = "The chart could not be drawn (" + err.message + "); its data is below.";
    });
  }

  document.querySelectorAll(".chart[data-name]").forEach(draw);
})();
