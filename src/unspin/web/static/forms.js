// unspin forms: analyze and compare run as jobs with a progress page; the submit button
// disables while sending; "Try an example" fills the form; job pages poll their progress.
"use strict";

(function () {
  document.querySelectorAll("form[data-job-action]").forEach(function (form) {
    form.action = form.dataset.jobAction;  // without this script the form posts synchronously
    form.addEventListener("submit", function () {
      const button = form.querySelector("button[type=submit]");
      if (!button) return;
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      button.textContent = "Sending…";
    });
  });

  const example = document.querySelector(".try-example");
  const exampleText = document.getElementById("example-text");
  if (example && exampleText) {
    example.hidden = false;
    example.addEventListener("click", function (event) {
      event.preventDefault();
      const text = document.getElementById("text");
      const title = document.getElementById("title");
      // a <template>'s children live in its .content fragment; its own textContent is empty
      text.value = (exampleText.content || exampleText).textContent.replace(/^\s+/, "");
      if (title && !title.value) title.value = example.dataset.title || "";
      text.focus();
    });
  }

  const STAGES = {export: "Reading the reviewed articles", read: "Reading them with the start model",
                  train: "Training (steps)", tune: "Tuning and calibrating", save: "Saving the model"};
  const job = document.querySelector(".job[data-api]");
  if (job) watch(job);

  function watch(section) {
    const api = section.dataset.api;
    const bar = section.querySelector("progress");
    const status = section.querySelector(".job-status");
    const cancel = section.querySelector(".cancel-job");
    let stopped = false;

    function show(body) {
      const p = body.progress;
      if (p.total) { bar.max = p.total; bar.value = p.done; }
      bar.textContent = Math.round(p.fraction * 100) + "%";
      if (body.status === "queued") status.textContent = "Waiting for the model…";
      else if (body.status === "running" && body.kind === "adapt") {
        status.textContent = (STAGES[body.stage] || body.stage) + ": " + p.done.toLocaleString("en-US") +
          " of " + p.total.toLocaleString("en-US") + ".";
      } else if (body.status === "running" && p.total) {
        status.textContent = p.done.toLocaleString("en-US") + " of " + p.total.toLocaleString("en-US") +
          " parts of the text read.";
      } else if (body.status === "running") status.textContent = "Starting…";
      else if (body.status === "failed") status.textContent = "Failed: " + body.error.message;
      else if (body.status === "cancelled") status.textContent = "Cancelled.";
      else if (body.status === "done") status.textContent = "Done: opening the result…";
      if (body.status !== "queued" && body.status !== "running") {
        stopped = true;
        const heading = section.querySelector("h1");
        const word = {cancelled: "Cancelled", failed: "Failed", done: "Done"}[body.status];
        if (heading && word) {
          heading.textContent = heading.textContent.replace(/^(Analyzing|Adapting):/, word + ":");
          document.title = document.title.replace(/^(Analyzing|Adapting):/, word + ":");
        }
        if (cancel) cancel.hidden = true;
      }
      if (body.status === "done" && body.links.result) window.location.replace(body.links.result);
    }

    function poll() {
      if (stopped) return;
      var wait = 0;
      fetch(api, {headers: {Accept: "application/json"}, credentials: "same-origin"})
        .then(function (r) {
          if (r.status === 429) wait = 1000 * (parseInt(r.headers.get("Retry-After"), 10) || 1);
          return r.json();
        })
        .then(function (body) {
          if (wait) { window.setTimeout(poll, wait); return; }  // rate limited: poll again later
          if (!body.ok) { status.textContent = body.error; stopped = true; return; }
          show(body);
          if (!stopped) window.setTimeout(poll, 500);
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    }

    if (cancel) {
      cancel.addEventListener("click", function () {
        cancel.disabled = true;
        fetch(api, {method: "DELETE", headers: {Accept: "application/json"}, credentials: "same-origin"})
          .then(function (r) { return r.json(); })
          .then(function (body) { if (body.ok) show(body); else cancel.disabled = false; });
      });
    }
    poll();
  }
})();
