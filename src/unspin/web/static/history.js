// unspin history page: delete one analysis (press twice: no dialogs), and enable "Compare
// two ticked" only when exactly two are ticked. Without script the form posts instead.
"use strict";

(function () {
  const form = document.querySelector("form.history");
  if (!form) return;
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
          if (answer.ok) button.closest("tr").remove();
          else { button.textContent = answer.error; }
        });
    });
  });
  const compare = form.querySelector(".compare-ticked");
  function ticked() { return form.querySelectorAll("input[name=id]:checked").length; }
  function update() { if (compare) compare.disabled = ticked() !== 2; }
  form.addEventListener("change", update);
  update();
})();
