// unspin history page: delete one analysis or the ticked ones (press twice: no dialogs), keep
// the saved-analyses count right, and enable "Compare two ticked" only when exactly two are
// ticked. Without script the form posts instead.
"use strict";

(function () {
  const form = document.querySelector("form.history");
  if (!form) return;
  const count = document.querySelector(".saved-count");
  function countDown(n) {
    if (!count) return;
    const total = Math.max(0, Number(count.dataset.total) - n);
    count.dataset.total = String(total);
    count.textContent = total.toLocaleString("en-US") + " saved analys" + (total === 1 ? "is" : "es");
  }
  const bulk = form.querySelector(".delete-ticked");
  if (bulk) {
    bulk.addEventListener("click", function (event) {
      const n = ticked();
      if (n === 0) return;  // the server says to tick some first
      if (bulk.dataset.armed !== String(n)) {
        event.preventDefault();
        bulk.dataset.armed = String(n);
        bulk.textContent = "Really delete " + n + " analys" + (n === 1 ? "is" : "es") + "? Press again";
        bulk.focus();
      }
    });
  }
  form.querySelectorAll(".delete-one").forEach(function (button) {
    button.addEventListener("click", function () {
      if (button.dataset.armed !== "1") {
        button.dataset.armed = "1";
        button.textContent = "Really delete?";
        return;
      }
      button.disabled = true;
      fetch("/api/analyses/" + encodeURIComponent(button.dataset.id),
            {method: "DELETE", credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          if (answer.ok) { button.closest("tr").remove(); countDown(1); }
          else { button.textContent = answer.error; }
        });
    });
  });
  const compare = form.querySelector(".compare-ticked");
  function ticked() { return form.querySelectorAll("input[name=id]:checked").length; }
  function update() {
    if (compare) compare.disabled = ticked() !== 2;
    if (bulk && bulk.dataset.armed) { delete bulk.dataset.armed; bulk.textContent = "Delete ticked"; }
  }
  form.addEventListener("change", update);
  update();
})();
