// unspin review, as in an annotation tool: select a span (click it, Enter on it, or a list
// entry) and its controls open next to it. Every action has a key, on a highlight, a list
// entry or in the controls: a accept, r reject, u undo, 1-14 relabel (the technique's number),
// Shift+←/→ move the end a word, Alt+Shift+←/→ the start, + add the selected text, n/p next
// and previous span, Esc close. Corrections go to POST /api/analyses/{id}/review as
// same-origin JSON; the page then updates in place (slider, filters and scroll are kept).
// Each carries the span's version (If-Match): when another reviewer changed the span
// meanwhile the server answers 409 and the page shows the span as it is now.
"use strict";

(function () {
  const panel = document.querySelector(".analysis.layout[data-id]");
  const tools = document.querySelector(".review-tools");
  if (!panel || !tools || !panel.unspin) return;
  const u = panel.unspin;
  const id = panel.dataset.id;
  const api = "/api/analyses/" + encodeURIComponent(id) + "/review";
  const area = panel.querySelector(".area-article");
  const article = panel.querySelector(".article");
  const text = article.textContent;
  const editor = tools.querySelector(".editor");
  const status = tools.querySelector(".review-status");
  const who = tools.querySelector(".reviewer");
  const relabel = editor.querySelector(".relabel");
  const addText = tools.querySelector(".add-text");
  const addTechnique = tools.querySelector(".add-technique");
  const techniques = Array.from(relabel.options).map(function (o) { return o.value; });
  const newName = tools.querySelector(".new-technique-name");
  const newDefinition = tools.querySelector(".new-technique-definition");

  // A technique outside the list: the name and definition typed under "A technique that is not
  // in the list" replace the list's choice; once saved it joins both lists.
  function chosen(select) {
    const name = newName ? newName.value.trim() : "";
    if (!name) return {technique: select.value};
    return {technique: name, definition: newDefinition.value.trim()};
  }

  function offer(name) {
    [relabel, addTechnique].forEach(function (select) {
      if (Array.from(select.options).some(function (o) { return o.value === name; })) return;
      const option = document.createElement("option");
      option.value = name;
      option.textContent = (select === relabel ? (select.options.length + 1) + " · " : "") + name;
      select.appendChild(option);
    });
    if (techniques.indexOf(name) < 0) techniques.push(name);
    newName.value = "";
    newDefinition.value = "";
  }
  let current = null;  // the selected span (from u.spans)
  let busy = false;

  // The controls float next to the selected span, inside the article's column.
  area.appendChild(editor);
  editor.classList.add("floating");
  const said = editor.querySelector(".sel-text");

  if (who) {
    const saved = window.localStorage.getItem("unspin-reviewer");
    if (saved && !who.value) who.value = saved;
    who.addEventListener("change", function () { window.localStorage.setItem("unspin-reviewer", who.value.trim()); });
  }

  function tell(message) { status.textContent = message; said.textContent = message; }

  function place(seg) {
    editor.hidden = false;
    if (!seg) return;
    const box = area.getBoundingClientRect();
    const r = seg.getBoundingClientRect();
    const width = Math.min(editor.offsetWidth, box.width);
    editor.style.left = Math.max(0, Math.min(r.left - box.left, box.width - width)) + "px";
    editor.style.top = (r.bottom - box.top + 6) + "px";
  }

  panel.addEventListener("span-select", function (e) {
    current = e.detail.span;
    said.textContent = current.display + ": “" + current.text + "”" +
      (current.status !== "model" ? " (" + current.status + ")" : "");
    relabel.value = current.technique;
    place(e.detail.seg);
    if (e.detail.chosen) editor.querySelector(".act").focus({preventScroll: true});
  });

  function close() {
    editor.hidden = true;
    const seg = current ? u.firstSeg(current.i) : null;
    if (seg && seg.tabIndex >= 0) seg.focus({preventScroll: true});
  }

  function reviewer() {
    const name = who ? who.value.trim() : "";
    if (!name) {
      tell("Type your name first: corrections are stored with it.");
      if (who) who.focus();
      return null;
    }
    window.localStorage.setItem("unspin-reviewer", name);
    return name;
  }

  function post(body, version) {
    const headers = {"Content-Type": "application/json", "Accept": "application/json"};
    if (version !== undefined && version !== null) headers["If-Match"] = '"' + version + '"';
    return fetch(api, {method: "POST", credentials: "same-origin", headers: headers,
                       body: JSON.stringify(body)}).then(function (r) { return r.json(); });
  }

  // What a 409 says: the span as another reviewer left it.
  function changedMeanwhile(answer) {
    const s = answer.span;
    if (!s) return "Someone else removed this span meanwhile; the page now shows the current state.";
    const now = s.status === "model" ? "back to the model's version" : s.status + (s.reviewer ? " by " + s.reviewer : "");
    return "Someone else changed this span meanwhile (now " + now + "); the page shows it as it is now: " +
      "correct it again if you still want to.";
  }

  // Fetch the page again and swap in its article, list, data and review badges.
  function refresh(key, focusAfter) {
    return fetch(window.location.pathname, {credentials: "same-origin", headers: {Accept: "text/html"}})
      .then(function (r) { return r.text(); })
      .then(function (html) {
        const fresh = new DOMParser().parseFromString(html, "text/html");
        const hadFocus = editor.contains(document.activeElement);
        u.reload(fresh);
        const head = document.querySelector(".review-mark-head"), freshHead = fresh.querySelector(".review-mark-head");
        if (head && freshHead) head.innerHTML = freshHead.innerHTML;
        const i = u.spans.findIndex(function (s) { return s.key === key; });
        if (i >= 0 && !u.firstSeg(i) && focusAfter) {  // rejected: no highlight now; go on to the next span
          const next = u.nextFrom(u.spans[i].start);
          if (next >= 0) u.goTo(next);
          else editor.hidden = true;
          return;
        }
        if (i >= 0) {
          u.select(i, false);
          const seg = u.firstSeg(i);
          if (focusAfter && hadFocus) editor.querySelector(".act").focus({preventScroll: true});
          else if (focusAfter && seg && seg.tabIndex >= 0) seg.focus({preventScroll: true});
        } else {
          editor.hidden = true;
        }
      });
  }

  function send(body, version) {
    const name = reviewer();
    if (!name || busy) return;
    body.reviewer = name;
    busy = true;
    tell("Saving…");
    post(body, body.action === "add" ? null : version)
      .then(function (answer) {
        if (answer.status === 409) {
          return refresh(body.span, true).then(function () { busy = false; tell(changedMeanwhile(answer)); });
        }
        if (!answer.ok) { busy = false; tell(answer.error); return; }
        const c = answer.correction;
        if (newName && newName.value.trim() && (c.action === "add" || c.action === "relabel")) offer(c.technique);
        return refresh(c.target, true).then(function () {
          busy = false;
          const option = Array.from(relabel.options).find(function (o) { return o.value === c.technique; });
          tell("Saved: " + c.action + (c.action === "relabel" ? " to " + (option ? option.textContent : c.technique) : "") + ".");
        });
      })
      .catch(function () { busy = false; tell("Could not save the correction; is the server running?"); });
  }

  function act(action, span, extra) {
    if (!span) { tell("Select a span first (click it, or press Enter on it)."); return; }
    send(Object.assign({action: action, span: span.key}, extra || {}), span.version);
  }

  function resize(span, edge, dir) {
    if (!span) return;
    let start = span.start, end = span.end;
    if (edge === "start") start = dir < 0 ? wordBefore(start) : wordAfter(start, end);
    else end = dir < 0 ? wordEndBefore(end, start) : wordEndAfter(end);
    if (start === span.start && end === span.end) return;
    send({action: "resize", span: span.key, start: start, end: end}, span.version);
  }

  editor.querySelectorAll(".act").forEach(function (button) {
    button.addEventListener("click", function () {
      if (button.dataset.action === "selection") {
        const sel = selectionOffsets();
        if (!sel || !current) { tell("Select some text in the article first."); return; }
        send({action: "resize", span: current.key, start: sel[0], end: sel[1]}, current.version);
      } else if (button.dataset.action === "relabel") {
        act("relabel", current, chosen(relabel));
      } else {
        act(button.dataset.action, current);
      }
    });
  });
  editor.querySelectorAll(".move").forEach(function (button) {
    button.addEventListener("click", function () { resize(current, button.dataset.edge, Number(button.dataset.step)); });
  });
  const closer = editor.querySelector(".close-editor");
  if (closer) closer.addEventListener("click", close);

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

  // A text selection in the article (mouse or keyboard) fills the add form with its offsets.
  let picked = null;
  document.addEventListener("selectionchange", function () {
    const sel = selectionOffsets();
    if (sel) { picked = sel; addText.value = text.slice(sel[0], sel[1]); }
  });

  function add(start, end) {
    send(Object.assign({action: "add", start: start, end: end}, chosen(addTechnique)));
  }

  tools.querySelector(".add-span").addEventListener("submit", function (e) {
    e.preventDefault();
    const words = addText.value;
    if (picked && text.slice(picked[0], picked[1]) === words) { add(picked[0], picked[1]); return; }
    const needle = words.trim();
    const first = needle ? text.indexOf(needle) : -1;
    if (first < 0) { tell("Those exact words are not in the article."); addText.focus(); return; }
    if (text.indexOf(needle, first + 1) >= 0) {
      let n = 0;
      for (let at = first; at >= 0; at = text.indexOf(needle, at + 1)) n++;
      tell("Those words occur " + n + " times in the article: select the one you mean there.");
      addText.focus();
      return;
    }
    add(first, first + needle.length);
  });

  // Accept every span nobody has decided on yet, one request each, then update the page.
  const rest = tools.querySelector(".accept-rest");
  if (rest) {
    rest.addEventListener("click", function () {
      const name = reviewer();
      if (!name) return;
      const todo = u.spans.filter(function (s) { return s.status === "model"; });
      if (!todo.length) { tell("Every span has been reviewed."); return; }
      rest.disabled = true;
      tell("Saving…");
      let chain = Promise.resolve(), taken = 0;
      todo.forEach(function (s) {
        chain = chain.then(function () { return post({action: "accept", span: s.key, reviewer: name}, s.version); })
          .then(function (answer) { if (answer.status === 409) taken++; });
      });
      chain.then(function () { return refresh(current ? current.key : "", false); })
        .then(function () {
          rest.disabled = false;
          tell("Accepted " + (todo.length - taken) + " spans." +
               (taken ? " Left " + taken + " changed by someone else meanwhile as they are now." : ""));
        })
        .catch(function () { tell("Could not save every correction."); rest.disabled = false; });
    });
  }

  // Keys, on a highlight, a list entry or in the controls (never while typing in a field).
  let digits = "", digitTimer = null;
  function spanOf(target) {
    if (target.classList && target.classList.contains("hl")) {
      const i = u.spanAt(target);
      return i >= 0 ? u.spans[i] : null;
    }
    if (target.classList && target.classList.contains("goto")) return u.spans[Number(target.closest(".span-item").dataset.i)];
    return editor.contains(target) ? current : null;
  }
  function relabelTo(n, span) {
    const name = techniques[n - 1];
    if (!name) { tell("There is no technique " + n + "."); return; }
    relabel.value = name;
    act("relabel", span, {technique: name});
  }
  document.addEventListener("keydown", function (e) {  // a mouse selection leaves the focus on the body
    const target = e.target;
    if (e.ctrlKey || e.metaKey || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    if (e.key === "Escape" && !editor.hidden) { e.preventDefault(); close(); return; }
    if (e.key === "+" && !e.altKey) {
      const sel = selectionOffsets();
      if (sel) { e.preventDefault(); add(sel[0], sel[1]); }
      return;
    }
    const span = spanOf(target);
    if (!span) return;
    if (e.key === "n" || e.key === "p") {
      e.preventDefault();
      const next = u.step(span.i, e.key === "n" ? 1 : -1);
      if (next >= 0) u.goTo(next);
      return;
    }
    if (e.shiftKey && (e.key === "ArrowLeft" || e.key === "ArrowRight")) {
      e.preventDefault();
      resize(span, e.altKey ? "start" : "end", e.key === "ArrowLeft" ? -1 : 1);
      return;
    }
    if (e.altKey) return;
    if (/^[0-9]$/.test(e.key)) {
      e.preventDefault();
      digits += e.key;
      window.clearTimeout(digitTimer);
      const n = Number(digits);
      if (digits.length === 2 || n * 10 > techniques.length || n === 0) {  // no longer number can follow
        digits = "";
        if (n) relabelTo(n, span);
      } else {
        digitTimer = window.setTimeout(function () { digits = ""; relabelTo(n, span); }, 700);
      }
      return;
    }
    const action = {a: "accept", r: "reject", u: "reset"}[e.key];
    if (action) { e.preventDefault(); act(action, span); }
  });
})();
