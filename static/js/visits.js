// "Add a visit": clone Django's empty formset form and bump TOTAL_FORMS.
(function () {
  const button = document.getElementById("add-visit");
  if (!button) return;
  const container = document.getElementById("visits");
  const template = document.getElementById("visit-template");
  const total = document.getElementById("id_visits-TOTAL_FORMS");
  button.addEventListener("click", function (event) {
    const index = parseInt(total.value, 10);
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    container.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const added = container.lastElementChild;
    added.querySelector("[data-visit-number]").textContent = String(index + 1);
    const first = added.querySelector("input[name$='-customer']");
    // Only a tap brings up the keyboard: cards put back from a draft copy are not focused.
    if (first && event.isTrusted) first.focus();
  });
})();

// Picking a prospect fills an empty "customer" box with its name: left empty, the visit
// looked as if its customer was missing (the server fills it in on saving anyway). A name
// filled in this way follows the next pick (or empties with "—"); a typed one stays.
document.addEventListener("change", function (event) {
  const select = event.target;
  if (!select.matches || !select.matches("select[name^='visits-'][name$='-prospect']")) return;
  const customer = document.getElementsByName(select.name.replace(/-prospect$/, "-customer"))[0];
  if (!customer) return;
  const current = customer.value.trim();
  if (current && current !== customer.dataset.filledIn) return;
  const option = select.options[select.selectedIndex];
  const name = option && option.value ? option.text : "";
  customer.value = name;
  customer.dataset.filledIn = name;
  customer.dispatchEvent(new Event("input", { bubbles: true })); // the draft copy follows
});

// A customer's name as the server compares it (activity.selectors.customer_key): full-width
// letters and digits as ASCII, without spaces or the invisible characters a paste from
// WeChat brings (config.text.INVISIBLE), case aside. "恒通物流" pasted with a zero-width
// space picked no prospect, and the visit went unlinked.
const INVISIBLE = /[\u00ad\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
function customerKey(text) {
  return text.normalize("NFKC").replace(INVISIBLE, "").replace(/\s+/g, "").toLowerCase();
}

// Typing a prospect's name in "customer" (the box offers her prospects' names) picks that
// prospect, as choosing it in the list does: with hundreds of prospects, a phone's picker
// wheel was no way to find one. A name that leads to no single prospect picks none, and
// a prospect picked this way is dropped again when the name is changed; one chosen in
// the list stays.
document.addEventListener("input", function (event) {
  const box = event.target;
  if (!box.matches || !box.matches("input[name^='visits-'][name$='-customer']")) return;
  const select = document.getElementsByName(box.name.replace(/-customer$/, "-prospect"))[0];
  if (!select) return;
  const name = box.value.trim();
  const key = customerKey(name);
  const matches = key
    ? Array.from(select.options).filter((o) => o.value && customerKey(o.text) === key)
    : [];
  const pickedByName = select.value && select.dataset.pickedByName === select.value;
  let value;
  if (matches.length === 1 && (!select.value || pickedByName)) value = matches[0].value;
  else if (matches.length !== 1 && pickedByName) value = "";
  if (value === undefined || value === select.value) return;
  select.value = value;
  select.dataset.pickedByName = value;
  box.dataset.filledIn = value ? name : "";
  select.dispatchEvent(new Event("change", { bubbles: true })); // the draft copy follows
});
