// Keep what the AM types in this browser until the server has it.
//
// Field work means flaky networks and sessions that expire mid-log: a post that
// ends at the login page must not lose the log. Every change is copied to
// localStorage (per user and day), with the revision of the saved log the page
// showed. When the page loads with a copy that differs from the form and the log
// has not been saved since that revision (the post never arrived), the copy is put
// back and a notice says so. Once the log has been saved since, the copy is dropped:
// the server has it, even where it tidied it (a prospect added from a visit). Only
// server revisions are compared, never the phone's clock, which may run minutes off.
(function () {
  const form = document.getElementById("log-form");
  if (!form || !window.localStorage) return;
  const key = form.dataset.draftKey;
  const revision = parseInt(form.dataset.revision || "0", 10);
  const WEEK = 7 * 24 * 3600 * 1000;

  function fields() {
    return Array.from(form.elements).filter(
      (el) => el.name && el.name !== "csrfmiddlewaretoken" && !["submit", "button"].includes(el.type)
    );
  }
  function collect() {
    const data = {};
    for (const el of fields()) data[el.name] = el.type === "checkbox" ? el.checked : el.value;
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
    const total = document.getElementById("id_visits-TOTAL_FORMS");
    const addVisit = document.getElementById("add-visit");
    const wanted = parseInt(data["visits-TOTAL_FORMS"] || "0", 10);
    while (addVisit && total && parseInt(total.value, 10) < wanted) addVisit.click();
    for (const el of fields()) {
      if (!(el.name in data) || el.name.endsWith("_FORMS")) continue;
      if (el.type === "checkbox") el.checked = Boolean(data[el.name]);
      else el.value = data[el.name];
    }
    const notice = document.getElementById("draft-restored");
    if (notice) notice.hidden = false;
  }
  function save() {
    localStorage.setItem(key, JSON.stringify({ at: Date.now(), revision: revision, data: collect() }));
  }

  let stored = null;
  try {
    stored = JSON.parse(localStorage.getItem(key) || "null");
  } catch (error) {
    stored = null;
  }
  if (stored && form.dataset.hasErrors !== "1") {
    const savedSince = stored.revision === undefined ? stored.at <= revision : revision > stored.revision;
    if (Date.now() - stored.at > WEEK || same(collect(), stored.data) || savedSince) {
      localStorage.removeItem(key);
    } else {
      restore(stored.data);
    }
  }
  form.addEventListener("input", save);
  form.addEventListener("change", save);
})();
