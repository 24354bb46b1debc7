// Keep what a person types in this browser until the server has it.
//
// Field work means flaky networks and sessions that expire mid-form: a post that ends
// at the login page must not lose a log, a goal sheet or a weekly review. Every change
// of a form marked data-draft-key is copied to localStorage (per user and page), with
// what the server had when the page showed it. When the page loads with a copy that
// differs from the form, the copy is put back, and a notice (#draft-restored) says so,
// unless the server has saved since (the post arrived; the copy is then dropped, even
// where the server tidied what was typed). "Saved since" is the log's revision where
// the form carries one (data-revision, in server milliseconds, never the phone's
// clock), and otherwise a change of what the server filled the form with.
(function () {
  const form = document.querySelector("form[data-draft-key]");
  if (!form || !window.localStorage) return;
  const key = form.dataset.draftKey;
  const hasRevision = form.dataset.revision !== undefined;
  const revision = parseInt(form.dataset.revision || "0", 10);
  const WEEK = 7 * 24 * 3600 * 1000;

  function fields() {
    return Array.from(form.elements).filter(
      (el) => el.name && el.name !== "csrfmiddlewaretoken" && !["submit", "button"].includes(el.type)
    );
  }
  function valueOf(el) {
    if (el.type === "checkbox" || el.type === "radio") return el.checked;
    if (el.multiple) return Array.from(el.selectedOptions).map((option) => option.value).join("\n");
    return el.value;
  }
  // Radio buttons share a name, and so do a list's tick boxes (the weekly plan's
  // prospects): each is kept by name and value. A lone tick box is kept by name.
  function keyer(els) {
    const boxes = new Map();
    for (const el of els) if (el.type === "checkbox") boxes.set(el.name, (boxes.get(el.name) || 0) + 1);
    return (el) => (el.type === "radio" || boxes.get(el.name) > 1 ? el.name + "=" + el.value : el.name);
  }
  function collect() {
    const data = {};
    const els = fields();
    const keyOf = keyer(els);
    for (const el of els) {
      data[keyOf(el)] = valueOf(el);
    }
    return data;
  }
  function same(a, b) {
    const names = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const name of names) {
      if (name.endsWith("-TOTAL_FORMS") || name.endsWith("-INITIAL_FORMS")) continue;
      const x = a[name] === undefined ? "" : a[name];
      const y = b[name] === undefined ? "" : b[name];
      if (String(x) !== String(y) && !(x === false && y === "") && !(x === "" && y === false)) return false;
    }
    return true;
  }
  function restore(data) {
    // The log's visit cards: add as many as the copy had (visits.js), without focusing them.
    const total = document.getElementById("id_visits-TOTAL_FORMS");
    const addVisit = document.getElementById("add-visit");
    const wanted = parseInt(data["visits-TOTAL_FORMS"] || "0", 10);
    while (addVisit && total && parseInt(total.value, 10) < wanted) addVisit.click();
    const els = fields();
    const keyOf = keyer(els);
    for (const el of els) {
      const name = keyOf(el);
      if (!(name in data) || name.endsWith("_FORMS")) continue;
      if (el.type === "checkbox" || el.type === "radio") el.checked = Boolean(data[name]);
      else if (el.multiple) {
        const chosen = new Set(String(data[name]).split("\n"));
        for (const option of el.options) option.selected = chosen.has(option.value);
      } else el.value = data[name];
    }
    const notice = document.getElementById("draft-restored");
    if (notice) {
      notice.hidden = false;
      notice.scrollIntoView({ block: "center" });
    }
  }

  const shown = collect(); // what the server filled the form with
  function save() {
    const copy = { at: Date.now(), data: collect() };
    if (hasRevision) copy.revision = revision;
    else copy.shown = shown;
    localStorage.setItem(key, JSON.stringify(copy));
  }

  let stored = null;
  try {
    stored = JSON.parse(localStorage.getItem(key) || "null");
  } catch (error) {
    stored = null;
  }
  if (stored && form.dataset.hasErrors !== "1") {
    let savedSince;
    if (hasRevision) savedSince = stored.revision === undefined ? stored.at <= revision : revision > stored.revision;
    else savedSince = !stored.shown || !same(stored.shown, shown);
    if (Date.now() - stored.at > WEEK || same(shown, stored.data) || savedSince) {
      localStorage.removeItem(key);
    } else {
      restore(stored.data);
    }
  }
  form.addEventListener("input", save);
  form.addEventListener("change", save);
})();
