// Staff import progress: poll the JSON endpoint, move the bar, reload when finished.
(function () {
  const box = document.getElementById("import-progress");
  if (!box) return;
  const bar = box.querySelector(".progress-bar");
  const meter = box.querySelector("[role=progressbar]");
  function tick() {
    fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        const percent = data.total ? Math.round((100 * data.processed) / data.total) : 0;
        bar.style.width = percent + "%";
        bar.textContent = data.processed + " / " + data.total;
        meter.setAttribute("aria-valuenow", String(data.processed));
        if (data.running) {
          setTimeout(tick, 1000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 1000);
})();
