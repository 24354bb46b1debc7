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
  // A form sends once: a second tap on a slow phone posted the same form again, which
  // the server then took for another phone's save. The button that was tapped says the
  // form is on its way. Sending is allowed again when the page is shown anew (back
  // button) or after a while, in case the network dropped the first request.
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending) {
        event.preventDefault();
        return;
      }
      form.dataset.sending = "1";
      if (event.submitter) event.submitter.classList.add("is-sending");
      window.setTimeout(function () { delete form.dataset.sending; }, 15000);
    });
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach(function (form) { delete form.dataset.sending; });
    document.querySelectorAll(".is-sending").forEach(function (button) { button.classList.remove("is-sending"); });
  });
  // data-width-percent="N": a bar N% wide (set through CSSOM, which CSP allows).
  document.querySelectorAll("[data-width-percent]").forEach(function (el) {
    el.style.width = el.dataset.widthPercent + "%";
  });
})();
