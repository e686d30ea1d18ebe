// unspin page script: technique toggles, the minimum-confidence slider (it updates the
// highlights, figures, bars, legend counts and the span list), explanations on hover and
// focus, and the side list of spans that scrolls to each. A highlight is a tab stop only
// where a shown span starts (one stop per span, not per piece of nested spans); its name
// begins with the text it shows. No inline script anywhere (the CSP forbids it); span data
// comes from JSON data blocks and text is written with textContent.
"use strict";

(function () {
  const tip = document.getElementById("tip");
  const STATUS = {accepted: "Accepted", rejected: "Rejected", relabelled: "Relabelled", resized: "Resized",
                  added: "Added"};

  function setupPanel(panel) {
    const key = panel.dataset.key;
    const block = document.getElementById("data-" + key);
    if (!block) return;
    let data = JSON.parse(block.textContent);
    let spans = data.spans;
    let segs = Array.from(panel.querySelectorAll(".article .hl"));
    let items = Array.from(panel.querySelectorAll(".span-item"));
    const hidden = new Set();
    const slider = panel.querySelector(".min-score");
    let minScore = slider ? Number(slider.value) : 0;  // starts at the threshold the analysis used
    const out = panel.querySelector(".min-score-out");
    const shown = panel.querySelector(".shown");

    function passes(s) { return s.status !== "rejected" && (s.status === "added" || s.score >= minScore); }
    function visible(s) { return passes(s) && !hidden.has(s.technique); }
    function indexes(seg) { return seg.dataset.s.split(" ").map(Number); }
    function visibleOf(seg) { return indexes(seg).filter(function (i) { return visible(spans[i]); }); }

    function label(s) {
      return s.display + ", " + (s.status === "added" ? "reviewer added" : Math.round(s.score * 100) + "%");
    }
    function flat(text) { return text.split(/\s+/).join(" ").trim(); }

    function apply() {
      segs.forEach(function (seg) {
        const vis = visibleOf(seg);
        const selected = seg.classList.contains("selected");
        seg.className = "hl";
        if (selected) seg.classList.add("selected");
        if (vis.length) {
          const top = spans[vis[0]];
          seg.classList.add("on", "t" + top.index);
          if (vis.length > 1) seg.classList.add("multi");
          if (top.end - top.start > 160) seg.classList.add("long");
          const starts = vis.filter(function (i) { return startsHere(seg, i); });
          if (starts.length) {
            seg.dataset.tag = starts.map(function (i) { return spans[i].tag; }).join(" ");
            seg.tabIndex = 0;
            seg.setAttribute("role", "button");
            seg.setAttribute("aria-describedby", "tip");
            seg.setAttribute("aria-label", flat(seg.textContent) + " (" + starts.map(function (i) {
              return label(spans[i]);
            }).join("; ") + ")");
          } else {  // a later piece of a span: clickable, but not another tab stop
            delete seg.dataset.tag;
            seg.removeAttribute("tabindex");
            seg.removeAttribute("role");
            seg.removeAttribute("aria-label");
            seg.removeAttribute("aria-describedby");
          }
        } else {
          seg.removeAttribute("tabindex");
          seg.removeAttribute("role");
          seg.removeAttribute("aria-label");
          seg.removeAttribute("aria-describedby");
          delete seg.dataset.tag;
        }
      });
      items.forEach(function (item) {
        const s = spans[Number(item.dataset.i)];
        item.hidden = !(s.status === "rejected" ? !hidden.has(s.technique) : visible(s));
      });
      updateFigures();
      const n = spans.filter(visible).length;
      const all = spans.filter(function (s) { return s.status !== "rejected"; }).length;
      if (shown) shown.textContent = "Showing " + n.toLocaleString("en-US") + " of " + all.toLocaleString("en-US") + " spans.";
    }

    // The first segment of a span is where its tag and its tab stop go.
    let firstSeg = new Map();
    function mapFirst() {
      firstSeg = new Map();
      segs.forEach(function (seg) {
        indexes(seg).forEach(function (i) { if (!firstSeg.has(i)) firstSeg.set(i, seg); });
      });
    }
    mapFirst();
    function startsHere(seg, i) { return firstSeg.get(i) === seg; }

    function updateFigures() {
      const kept = spans.filter(passes);
      const counts = {};
      kept.forEach(function (s) { counts[s.technique] = (counts[s.technique] || 0) + 1; });
      const fig = panel.querySelector(".figures");
      if (fig) {
        const bounds = kept.map(function (s) { return [s.start, s.end]; }).sort(function (a, b) { return a[0] - b[0]; });
        let covered = 0, reach = -1;
        bounds.forEach(function (b) {
          if (b[1] <= reach) return;
          covered += b[1] - Math.max(b[0], reach);
          reach = b[1];
        });
        const density = data.characters ? covered / data.characters : 0;
        setText(fig, ".density", (density * 100).toFixed(1) + "%");
        setText(fig, ".per1k", pyFloat(data.words ? Math.round(100000 * kept.length / data.words) / 100 : 0));
        setText(fig, ".nspans", kept.length.toLocaleString("en-US"));
      }
      panel.querySelectorAll(".tech").forEach(function (b) {
        const c = b.querySelector(".count");
        if (c) c.textContent = String(counts[b.dataset.technique] || 0);
      });
      const rows = Array.from(panel.querySelectorAll(".bars tr[data-technique]"));
      const top = Math.max(1, ...rows.map(function (r) { return counts[r.dataset.technique] || 0; }));
      rows.forEach(function (r) {
        const n = counts[r.dataset.technique] || 0;
        const rect = r.querySelector("rect");
        if (rect) rect.setAttribute("width", (100 * n / top).toFixed(1));
        setText(r, ".num", String(n));
      });
    }

    panel.addEventListener("click", function (e) {  // delegated: buttons a review adds work too
      const button = e.target.closest && e.target.closest(".tech");
      if (!button || !panel.contains(button)) return;
      const name = button.dataset.technique;
      if (hidden.has(name)) { hidden.delete(name); button.setAttribute("aria-pressed", "true"); }
      else { hidden.add(name); button.setAttribute("aria-pressed", "false"); }
      apply();
    });
    if (slider) {
      slider.addEventListener("input", function () {
        minScore = Number(slider.value);
        if (out) out.textContent = Math.round(minScore * 100) + "%";
        apply();
      });
    }

    // Side list: sort, and go to a span in the text.
    const list = panel.querySelector(".span-list .spans");
    panel.querySelectorAll(".sort-by").forEach(function (button) {
      button.addEventListener("click", function () {
        panel.querySelectorAll(".sort-by").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
        const byScore = button.dataset.sort === "confidence";
        items.slice().sort(function (x, y) {
          const a = spans[Number(x.dataset.i)], b = spans[Number(y.dataset.i)];
          return byScore ? (b.score - a.score) || (a.start - b.start) : (a.start - b.start) || (a.end - b.end);
        }).forEach(function (item) { list.appendChild(item); });
      });
    });
    function bindItems() {
      items.forEach(function (item) {
        const go = item.querySelector(".goto");
        if (go) go.addEventListener("click", function () { goTo(Number(item.dataset.i)); });
      });
    }
    bindItems();

    // The span shown next (dir 1) or before (dir -1) the given one, in reading order.
    function step(from, dir) {
      const order = spans.map(function (s, i) { return i; }).filter(function (i) { return visible(spans[i]); })
        .sort(function (x, y) { return (spans[x].start - spans[y].start) || (spans[x].end - spans[y].end) || (x - y); });
      if (!order.length) return -1;
      const at = order.indexOf(from);
      if (at < 0) return dir > 0 ? order[0] : order[order.length - 1];
      return order[Math.min(order.length - 1, Math.max(0, at + dir))];
    }

    // The first shown span starting at or after `pos` (reading order), or -1.
    function nextFrom(pos) {
      let best = -1;
      spans.forEach(function (s, i) {
        if (visible(s) && s.start >= pos && (best < 0 || s.start < spans[best].start)) best = i;
      });
      return best;
    }

    function goTo(i, chosen) {
      const seg = firstSeg.get(i);
      if (seg) {
        const r = seg.getBoundingClientRect();
        if (r.top < 0 || r.bottom > window.innerHeight) seg.scrollIntoView({block: "center"});
        if (seg.tabIndex >= 0) seg.focus({preventScroll: true});
      }
      select(i, chosen);
    }

    // chosen: picked by a click, Enter or the list (the review controls take the focus);
    // otherwise (next/previous, after a correction) the focus stays on the highlight.
    function select(i, chosen) {
      segs.forEach(function (seg) { seg.classList.toggle("selected", indexes(seg).indexOf(i) >= 0); });
      items.forEach(function (item) { item.classList.toggle("current", Number(item.dataset.i) === i); });
      panel.dispatchEvent(new CustomEvent("span-select", {detail: {i: i, span: spans[i], seg: firstSeg.get(i),
                                                                   chosen: Boolean(chosen)}}));
    }

    function show(seg) {
      const vis = visibleOf(seg);
      if (!vis.length || !tip) return;
      tip.replaceChildren();
      vis.forEach(function (i) {
        const s = spans[i];
        const item = el("div", "item");
        const h = el("h3");
        h.append(el("span", "tag tg" + s.index, s.tag), document.createTextNode(s.display));
        item.append(h, el("q", "", s.text), el("p", "def", s.definition));
        if (s.status !== "added") item.append(el("p", "score", "Confidence: " + Math.round(s.score * 100) + "%"));
        if (s.why.length) item.append(el("p", "why", "Triggered by: " + s.why.join(", ")));
        if (STATUS[s.status]) {
          item.append(el("p", "reviewed", STATUS[s.status] + (s.reviewer ? " by " + s.reviewer : "") +
                                         (s.at ? ", " + s.at.slice(0, 16).replace("T", " ") : "")));
        }
        tip.append(item);
      });
      tip.hidden = false;
      const r = seg.getBoundingClientRect();
      const width = document.documentElement.clientWidth;
      const left = Math.max(8, Math.min(r.left, width - tip.offsetWidth - 8));
      // below the highlight when it fits on screen, else above it, else where most room is
      let top = r.bottom + 6;
      if (top + tip.offsetHeight > window.innerHeight - 8) {
        const above = r.top - 6 - tip.offsetHeight;
        top = above >= 8 ? above : Math.max(8, window.innerHeight - 8 - tip.offsetHeight);
      }
      tip.style.left = (window.scrollX + left) + "px";
      tip.style.top = (window.scrollY + top) + "px";
    }

    function bindSegs() {
    segs.forEach(function (seg) {
      seg.addEventListener("mouseenter", function () { show(seg); });
      seg.addEventListener("focus", function () { show(seg); });
      seg.addEventListener("mouseleave", hide);
      seg.addEventListener("blur", hide);
      seg.addEventListener("click", function () {
        if (!window.getSelection().isCollapsed) return;  // selecting text to add a span
        const vis = visibleOf(seg);
        if (vis.length) select(vis[0], true);
      });
      seg.addEventListener("keydown", function (e) {
        if ((e.key === "Enter" || e.key === " ") && seg.tabIndex >= 0) {
          e.preventDefault();
          const mine = spanAt(seg);
          if (mine >= 0) select(mine, true);
        }
      });
    });
    }
    bindSegs();

    // The span a highlight stands for: the innermost shown one starting there, else any shown.
    function spanAt(seg) {
      const vis = visibleOf(seg);
      const starts = vis.filter(function (i) { return startsHere(seg, i); });
      return starts.length ? starts[0] : (vis.length ? vis[0] : -1);
    }

    // After a correction: the article, list and data come from the server again (the page
    // stays: slider, filters and scroll are kept).
    function reload(fresh) {
      const article = panel.querySelector(".article");
      const list = panel.querySelector(".span-list .spans");
      article.innerHTML = fresh.querySelector(".analysis .article").innerHTML;
      // a technique a reviewer brought in gets its legend button and bar (the others keep their state)
      [[".legend", ".tech"], [".bars", "tr[data-technique]"]].forEach(function (pair) {
        const mine = panel.querySelector(pair[0]), theirs = fresh.querySelector(".analysis " + pair[0]);
        if (!mine || !theirs) return;
        theirs.querySelectorAll(pair[1]).forEach(function (node) {
          const known = Array.from(mine.querySelectorAll(pair[1])).some(function (m) {
            return m.dataset.technique === node.dataset.technique;
          });
          if (!known) (mine.querySelector("tbody") || mine).appendChild(document.importNode(node, true));
        });
      });
      if (list) list.innerHTML = fresh.querySelector(".span-list .spans").innerHTML;
      block.textContent = fresh.getElementById("data-" + key).textContent;
      data = JSON.parse(block.textContent);
      spans = data.spans;
      segs = Array.from(panel.querySelectorAll(".article .hl"));
      items = Array.from(panel.querySelectorAll(".span-item"));
      panel.unspin.spans = spans;
      mapFirst();
      bindSegs();
      bindItems();
      apply();
    }

    panel.unspin = {spans: spans, select: select, goTo: goTo, visibleOf: visibleOf, spanAt: spanAt,
                    step: step, nextFrom: nextFrom, reload: reload, firstSeg: function (i) { return firstSeg.get(i); }};
    apply();
  }

  function setText(root, selector, text) {
    const node = root.querySelector(selector);
    if (node) node.textContent = text;
  }

  function pyFloat(x) {  // 50 -> "50.0", 43.48 -> "43.48", as the server writes them
    const s = String(x);
    return s.indexOf(".") >= 0 ? s : s + ".0";
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
