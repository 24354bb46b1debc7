// The weekly plan's prospects: typing in the filter box shows only the names that
// contain what is typed (ticked ones always stay in view). Hundreds of prospects were
// a phone's picker wheel with no search; without JavaScript the list still scrolls.
(function () {
  for (const box of document.querySelectorAll("[data-prospect-filter]")) {
    const list = document.getElementById(box.dataset.prospectFilter);
    if (!list) continue;
    const rows = Array.from(list.querySelectorAll(".form-check"));
    const noneFound = list.querySelector("[data-none-found]");
    box.hidden = false;
    box.addEventListener("input", function () {
      const wanted = box.value.trim().toLowerCase();
      let shown = 0;
      for (const row of rows) {
        const name = row.querySelector("label").textContent.toLowerCase();
        const show = !wanted || name.includes(wanted) || row.querySelector("input").checked;
        row.hidden = !show;
        if (show) shown += 1;
      }
      if (noneFound) noneFound.hidden = shown > 0;
    });
  }
})();
