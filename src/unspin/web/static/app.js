// unspin page script: highlight toggles, confidence slider, explanations on hover and focus.
// No inline script anywhere (the CSP forbids it); span data comes from JSON data blocks.
"use strict";

(function () {
  const tip = document.getElementById("tip");

  function setupPanel(panel) {
    const key = panel.dataset.key;
    const block = document.getElementById("data-" + key);
    if (!block) return;
    const spans = JSON.parse(block.textContent).spans;
    const segs = Array.from(panel.querySelectorAll(".article .hl"));
    const hidden = new Set();
    let minScore = 0;
    const slider = panel.querySelector(".min-score");
    const out = panel.querySelector(".min-score-out");
    const shown = panel.querySelector(".shown");

    function visibleOf(seg) {
      return seg.dataset.s.split(" ").map(Number).filter(function (i) {
        const s = spans[i];
        return !hidden.has(s.technique) && s.score >= minScore;
      });
    }

    function apply() {
      segs.forEach(function (seg) {
        const vis = visibleOf(seg);
        seg.className = "hl";
        if (vis.length) {
          seg.classList.add("on", "t" + spans[vis[0]].index);
          if (vis.length > 1) seg.classList.add("multi");
          seg.tabIndex = 0;
        } else {
          seg.removeAttribute("tabindex");
        }
      });
      const n = spans.filter(function (s) { return !hidden.has(s.technique) && s.score >= minScore; }).length;
      if (shown) shown.textContent = "Showing " + n + " of " + spans.length + " spans.";
    }

    panel.querySelectorAll(".tech").forEach(function (button) {
      button.addEventListener("click", function () {
        const name = button.dataset.technique;
        if (hidden.has(name)) { hidden.delete(name); button.setAttribute("aria-pressed", "true"); }
        else { hidden.add(name); button.setAttribute("aria-pressed", "false"); }
        apply();
      });
    });
    if (slider) {
      slider.addEventListener("input", function () {
        minScore = Number(slider.value);
        if (out) out.textContent = Math.round(minScore * 100) + "%";
        apply();
      });
    }

    function show(seg) {
      const vis = visibleOf(seg);
      if (!vis.length || !tip) return;
      tip.replaceChildren();
      vis.forEach(function (i) {
        const s = spans[i];
        const item = el("div", "item");
        const h = el("h3");
        h.append(el("span", "sw sw" + s.index), document.createTextNode(s.display));
        item.append(h, el("p", "def", s.definition),
          el("p", "score", "Confidence: " + Math.round(s.score * 100) + "%"));
        if (s.why.length) item.append(el("p", "why", "Triggered by: " + s.why.join(", ")));
        tip.append(item);
      });
      tip.hidden = false;
      const r = seg.getBoundingClientRect();
      const left = Math.max(8, Math.min(window.scrollX + r.left, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8));
      tip.style.left = left + "px";
      tip.style.top = (window.scrollY + r.bottom + 6) + "px";
    }

    segs.forEach(function (seg) {
      seg.addEventListener("mouseenter", function () { show(seg); });
      seg.addEventListener("focus", function () { show(seg); });
      seg.addEventListener("mouseleave", hide);
      seg.addEventListener("blur", hide);
    });
    apply();
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function hide() { if (tip) tip.hidden = true; }

  document.addEventListener("keydown", function (e) { if (e.key === "Escape") hide(); });
  document.querySelectorAll(".analysis").forEach(setupPanel);
})();
