// Small behaviours every page may use, wired by data- attributes instead of inline
// handlers and style= attributes, which the Content-Security-Policy forbids.
(function () {
  // <select data-autosubmit>: submit its form on change (the language switcher). Not
  // when the change came from the keyboard: an arrow key on a closed select changes it
  // at once, so Tab through the footer and a stray arrow switched the whole page's
  // language. From the keyboard, Enter submits the choice.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    const chosen = select.value;
    let keyed = false;
    select.addEventListener("pointerdown", function () { keyed = false; });
    select.addEventListener("keydown", function (event) {
      keyed = true;
      if (event.key === "Enter") {
        // After the keydown, once an open list has set the value it chose.
        window.setTimeout(function () { if (select.value !== chosen) select.form.submit(); }, 0);
      }
    });
    select.addEventListener("change", function () { if (!keyed) select.form.submit(); });
  });
  // <p data-scroll-hint>: says the table after it scrolls sideways. Hidden on a wide
  // screen (d-lg-none), where the Chinese summary fits; shown there too while the table
  // does not fit, as the English one (1,580 px of 1,232) did not: its task completion and
  // on-time rates were off screen with nothing saying so.
  document.querySelectorAll("[data-scroll-hint]").forEach(function (hint) {
    const box = hint.nextElementSibling;
    function update() { hint.classList.toggle("d-lg-none", box.scrollWidth <= box.clientWidth); }
    update();
    window.addEventListener("resize", update);
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
  // A text box with a limit says how much is used once it nears the limit, and says so
  // when a paste was cut at it: the browser drops the rest without a word.
  const texts = document.body.dataset;
  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_match, name) { return values[name]; });
  }
  document.querySelectorAll("textarea[maxlength]").forEach(function (box) {
    const max = parseInt(box.getAttribute("maxlength"), 10);
    if (!max || !texts.textCount) return;
    const note = document.createElement("div");
    note.className = "form-text text-end";
    note.dataset.testid = "text-count";
    note.hidden = true;
    box.insertAdjacentElement("afterend", note);
    let cut = false;
    function update() {
      const count = box.value.length;
      note.hidden = !cut && count < max * 0.8;
      note.classList.toggle("text-danger", cut || count >= max);
      note.textContent = cut ? say(texts.textCut, { max: max }) : say(texts.textCount, { count: count, max: max });
    }
    box.addEventListener("paste", function (event) {
      const pasted = (event.clipboardData || window.clipboardData).getData("text") || "";
      const kept = box.value.length - (box.selectionEnd - box.selectionStart);
      cut = kept + pasted.replace(/\r\n/g, "\n").length > max;
      window.setTimeout(update, 0);
    });
    box.addEventListener("input", function () { if (box.value.length < max) cut = false; update(); });
    update();
  });
  // A form that came back with errors: its first marked field is brought into view and
  // focused (a screen reader then reads its label and error). The alert at the top said
  // "correct the marked fields" while the field itself was often a screen further down.
  const invalid = document.querySelector("main form [aria-invalid=true], main form .is-invalid");
  if (invalid) {
    // On load: after the browser's own scroll restoring, which would undo it.
    window.addEventListener("load", function () {
      invalid.scrollIntoView({ block: "center" });
      invalid.focus({ preventScroll: true });
    });
  }
  // A field reached with Tab (or "next" on a phone's keyboard) is scrolled just into view,
  // which left it under a sticky save bar (.sticky-actions): once the browser has scrolled,
  // move it above the bar.
  document.addEventListener("focusin", function (event) {
    const bar = document.querySelector(".sticky-actions");
    const field = event.target;
    if (!bar || bar.contains(field) || !field.getBoundingClientRect) return;
    window.requestAnimationFrame(function () {
      const box = field.getBoundingClientRect();
      const barTop = bar.getBoundingClientRect().top;
      // "instant": Bootstrap's smooth scrolling would still be moving it seconds later.
      if (box.bottom > barTop && box.top < window.innerHeight) {
        window.scrollBy({ top: box.bottom - barTop + 8, behavior: "instant" });
      }
    });
  });
  // data-width-percent="N": a bar N% wide (set through CSSOM, which CSP allows).
  document.querySelectorAll("[data-width-percent]").forEach(function (el) {
    el.style.width = el.dataset.widthPercent + "%";
  });
})();
