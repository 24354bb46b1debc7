// Small behaviours every page may use, wired by data- attributes instead of inline
// handlers and style= attributes, which the Content-Security-Policy forbids.
(function () {
  // <select data-autosubmit>: submit its form on change (the language switcher).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // <input type=checkbox data-select-all="NAME">: tick or clear every checkbox named NAME.
  document.querySelectorAll("input[data-select-all]").forEach(function (toggle) {
    toggle.addEventListener("change", function () {
      // Not the disabled ones: a log that asks for help is opened, not ticked.
      const selector =
        "input[type=checkbox][name='" + CSS.escape(toggle.dataset.selectAll) + "']:not(:disabled)";
      document.querySelectorAll(selector).forEach(function (box) { box.checked = toggle.checked; });
    });
  });
  // data-width-percent="N": a bar N% wide (set through CSSOM, which CSP allows).
  document.querySelectorAll("[data-width-percent]").forEach(function (el) {
    el.style.width = el.dataset.widthPercent + "%";
  });
})();
