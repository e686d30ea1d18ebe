// unspin review: accept, reject, relabel, resize or add spans on an analysis page, by mouse
// or keyboard (a = accept, r = reject on a highlight or list entry). Corrections go to
// POST /api/analyses/{id}/review as same-origin JSON requests; the page then reloads to show
// the reviewed version, with the same span selected.
"use strict";

(function () {
  const panel = document.querySelector(".analysis.layout[data-id]");
  const tools = document.querySelector(".review-tools");
  if (!panel || !tools || !panel.unspin) return;
  const id = panel.dataset.id;
  const api = "/api/analyses/" + encodeURIComponent(id) + "/review";
  const article = panel.querySelector(".article");
  const text = article.textContent;
  const editor = tools.querySelector(".editor");
  const status = tools.querySelector(".review-status");
  const who = tools.querySelector(".reviewer");
  const relabel = tools.querySelector(".relabel");
  const spans = panel.unspin.spans;
  let current = null;

  if (who) {
    const saved = window.localStorage.getItem("unspin-reviewer");
    if (saved && !who.value) who.value = saved;
    who.addEventListener("change", function () { window.localStorage.setItem("unspin-reviewer", who.value.trim()); });
  }

  panel.addEventListener("span-select", function (e) {
    current = e.detail.span;
    editor.hidden = false;
    editor.querySelector(".sel-text").textContent = "Selected: " + current.display + ": “" + current.text + "”";
    relabel.value = current.technique;
  });

  function send(body) {
    const name = who ? who.value.trim() : "";
    if (!name) {
      status.textContent = "Type your name first: corrections are stored with it.";
      if (who) who.focus();
      return;
    }
    body.reviewer = name;
    window.localStorage.setItem("unspin-reviewer", name);
    status.textContent = "Saving…";
    fetch(api, {method: "POST", credentials: "same-origin",
                headers: {"Content-Type": "application/json", "Accept": "application/json"},
                body: JSON.stringify(body)})
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        if (!answer.ok) { status.textContent = answer.error; return; }
        window.sessionStorage.setItem("unspin-select", answer.correction.target);
        window.location.reload();
      })
      .catch(function () { status.textContent = "Could not save the correction; is the server running?"; });
  }

  function act(action, span) {
    if (!span) { status.textContent = "Select a span first (click it, or press Enter on it)."; return; }
    const body = {action: action, span: span.key};
    if (action === "relabel") body.technique = relabel.value;
    send(body);
  }

  editor.querySelectorAll(".act").forEach(function (button) {
    button.addEventListener("click", function () {
      if (button.dataset.action === "selection") {
        const sel = selectionOffsets();
        if (!sel || !current) { status.textContent = "Select some text in the article first."; return; }
        send({action: "resize", span: current.key, start: sel[0], end: sel[1]});
      } else {
        act(button.dataset.action, current);
      }
    });
  });
  editor.querySelectorAll(".move").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!current) return;
      const step = Number(button.dataset.step);
      let start = current.start, end = current.end;
      if (button.dataset.edge === "start") start = step < 0 ? wordBefore(start) : wordAfter(start, end);
      else end = step < 0 ? wordEndBefore(end, start) : wordEndAfter(end);
      if (start === current.start && end === current.end) return;
      send({action: "resize", span: current.key, start: start, end: end});
    });
  });

  // Word steps: starts move to word starts, ends to word ends; a span never becomes empty.
  function wordBefore(pos) {
    let i = pos - 1;
    while (i > 0 && /\s/.test(text[i])) i--;
    while (i > 0 && !/\s/.test(text[i - 1])) i--;
    return Math.max(0, i);
  }
  function wordAfter(pos, end) {
    let i = pos;
    while (i < end && !/\s/.test(text[i])) i++;
    while (i < end && /\s/.test(text[i])) i++;
    return i < end ? i : pos;
  }
  function wordEndBefore(pos, start) {
    let i = pos;
    while (i > start && !/\s/.test(text[i - 1])) i--;
    while (i > start && /\s/.test(text[i - 1])) i--;
    return i > start ? i : pos;
  }
  function wordEndAfter(pos) {
    let i = pos;
    while (i < text.length && /\s/.test(text[i])) i++;
    while (i < text.length && !/\s/.test(text[i])) i++;
    return i;
  }

  function offsetOf(node, offset) {
    const range = document.createRange();
    range.setStart(article, 0);
    range.setEnd(node, offset);
    return range.toString().length;
  }

  function selectionOffsets() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    if (!article.contains(range.startContainer) || !article.contains(range.endContainer)) return null;
    let start = offsetOf(range.startContainer, range.startOffset);
    let end = offsetOf(range.endContainer, range.endOffset);
    while (start < end && /\s/.test(text[start])) start++;
    while (end > start && /\s/.test(text[end - 1])) end--;
    return end > start ? [start, end] : null;
  }

  // Remember a mouse selection in the article: the add form's text box shows it.
  let picked = null;
  const addText = tools.querySelector(".add-text");
  article.addEventListener("mouseup", function () {
    const sel = selectionOffsets();
    if (sel) { picked = sel; addText.value = text.slice(sel[0], sel[1]); }
  });

  tools.querySelector(".add-span").addEventListener("submit", function (e) {
    e.preventDefault();
    const words = addText.value;
    let start, end;
    if (picked && text.slice(picked[0], picked[1]) === words) { start = picked[0]; end = picked[1]; }
    else {
      const needle = words.trim();
      start = needle ? text.indexOf(needle) : -1;
      if (start < 0) { status.textContent = "Those exact words are not in the article."; addText.focus(); return; }
      end = start + needle.length;
    }
    send({action: "add", start: start, end: end, technique: tools.querySelector(".add-technique").value});
  });

  // Accept every span nobody has decided on yet, one request each, then show the result.
  const rest = tools.querySelector(".accept-rest");
  if (rest) {
    rest.addEventListener("click", function () {
      const name = who ? who.value.trim() : "";
      const todo = spans.filter(function (s) { return s.status === "model"; });
      if (!name) { status.textContent = "Type your name first: corrections are stored with it."; return; }
      if (!todo.length) { status.textContent = "Every span has been reviewed."; return; }
      rest.disabled = true;
      let chain = Promise.resolve();
      todo.forEach(function (s) {
        chain = chain.then(function () {
          return fetch(api, {method: "POST", credentials: "same-origin",
                             headers: {"Content-Type": "application/json", "Accept": "application/json"},
                             body: JSON.stringify({action: "accept", span: s.key, reviewer: name})});
        });
      });
      chain.then(function () { window.location.reload(); })
        .catch(function () { status.textContent = "Could not save every correction."; rest.disabled = false; });
    });
  }

  // Keyboard: a / r on a focused highlight or list entry.
  panel.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || (e.key !== "a" && e.key !== "r")) return;
    const target = e.target;
    let span = null;
    if (target.classList && target.classList.contains("hl")) {
      const vis = panel.unspin.visibleOf(target);
      span = vis.length ? spans[vis[0]] : null;
    } else if (target.classList && target.classList.contains("goto")) {
      span = spans[Number(target.closest(".span-item").dataset.i)];
    }
    if (!span) return;
    e.preventDefault();
    act(e.key === "a" ? "accept" : "reject", span);
  });

  // The article as a whole: "Mark reviewed" toggles the mark in place (no reload).
  const markBox = tools.querySelector(".mark-box");
  if (markBox) {
    const mark = markBox.querySelector(".mark-reviewed");
    const said = markBox.querySelector(".mark-status");
    mark.addEventListener("click", function () {
      const name = who ? who.value.trim() : "";
      const on = mark.getAttribute("aria-pressed") !== "true";
      if (on && !name) { said.textContent = "Type your name first: the mark is stored with it."; if (who) who.focus(); return; }
      mark.disabled = true;
      fetch(markBox.dataset.api, {method: "POST", credentials: "same-origin",
                                  headers: {"Content-Type": "application/json", "Accept": "application/json"},
                                  body: JSON.stringify({reviewed: on, reviewer: name || null})})
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          mark.disabled = false;
          if (!answer.ok) { said.textContent = answer.error; return; }
          const m = answer.reviewed;
          mark.setAttribute("aria-pressed", m ? "true" : "false");
          said.textContent = m ? "Reviewed by " + m.reviewer + " (" + m.at.slice(0, 16).replace("T", " ") +
            " UTC). Press again to take the mark back." : "The reviewed mark was taken back.";
          const head = document.querySelector(".review-mark-head");
          if (head) {
            let badge = head.querySelector(".reviewed-badge");
            if (m && !badge) { badge = document.createElement("span"); badge.className = "reviewed-badge"; head.prepend(badge); }
            if (m) badge.textContent = "Reviewed by " + m.reviewer + ", " + m.at.slice(0, 16).replace("T", " ") + " UTC";
            else if (badge) badge.remove();
          }
        })
        .catch(function () { mark.disabled = false; said.textContent = "Could not save the mark; is the server running?"; });
    });
  }

  const corpus = document.querySelector(".to-corpus");
  if (corpus) {
    corpus.addEventListener("click", function () {
      corpus.disabled = true;
      fetch(corpus.dataset.api, {method: "POST", credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          corpus.textContent = answer.ok ? "In the corpus" : "Send to corpus";
          status.textContent = answer.ok ? "Added to the corpus (see the Corpus page)." : answer.error;
          if (!answer.ok) corpus.disabled = false;
        });
    });
  }

  const again = window.sessionStorage.getItem("unspin-select");
  if (again) {
    window.sessionStorage.removeItem("unspin-select");
    const i = spans.findIndex(function (s) { return s.key === again; });
    if (i >= 0) panel.unspin.goTo(i);
  }
})();
