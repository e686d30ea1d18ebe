// unspin analysis page, the article as a whole: "Mark reviewed" toggles the reviewed mark in
// place (POST /api/analyses/{id}/reviewed), and "Send to corpus" adds it to the corpus.
"use strict";

(function () {
  const tools = document.querySelector(".review-tools");
  if (!tools) return;
  const who = tools.querySelector(".reviewer");
  const status = tools.querySelector(".review-status");

  // The article as a whole: "Mark reviewed" toggles the mark in place.
  const markBox = tools.querySelector(".mark-box");
  if (markBox) {
    const mark = markBox.querySelector(".mark-reviewed");
    const note = markBox.querySelector(".mark-status");
    mark.addEventListener("click", function () {
      const on = mark.getAttribute("aria-pressed") !== "true";
      const name = who ? who.value.trim() : "";
      if (on && !name) { note.textContent = "Type your name first: the mark is stored with it."; if (who) who.focus(); return; }
      mark.disabled = true;
      fetch(markBox.dataset.api, {method: "POST", credentials: "same-origin",
                                  headers: {"Content-Type": "application/json", "Accept": "application/json"},
                                  body: JSON.stringify({reviewed: on, reviewer: name || null})})
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          mark.disabled = false;
          if (!answer.ok) { note.textContent = answer.error; return; }
          const m = answer.reviewed;
          mark.setAttribute("aria-pressed", m ? "true" : "false");
          note.textContent = m ? "Reviewed by " + m.reviewer + " (" + m.at.slice(0, 16).replace("T", " ") +
            " UTC). Press again to take the mark back." : "The reviewed mark was taken back.";
          const head = document.querySelector(".review-mark-head");
          if (head) {
            let badge = head.querySelector(".reviewed-badge");
            if (m && !badge) { badge = document.createElement("span"); badge.className = "reviewed-badge"; head.prepend(badge); }
            if (m) badge.textContent = "Reviewed by " + m.reviewer + ", " + m.at.slice(0, 16).replace("T", " ") + " UTC";
            else if (badge) badge.remove();
          }
        })
        .catch(function () { mark.disabled = false; note.textContent = "Could not save the mark; is the server running?"; });
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
})();
