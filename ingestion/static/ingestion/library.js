// File library: select files with their checkboxes (shift-click selects a range, the header
// box or "Select all" the whole page), see how many and how big, then download them as one zip
// or delete them. Without this script the checkboxes and buttons still work as a plain form.
(function () {
  "use strict";
  const bar = document.querySelector("[data-selection]");
  if (!bar) return;
  const count = bar.querySelector("[data-selection-count]");
  const idle = count.textContent;
  const actions = bar.querySelectorAll("[data-needs-selection]");
  const pageBoxes = document.querySelectorAll("[data-select-all]");
  let last = null; // the box clicked last, where a shift-click range starts

  function boxes() {
    return Array.from(document.querySelectorAll('input[name="ids"][form="selection"]'));
  }

  function human(n) {
    const units = ["bytes", "KB", "MB", "GB", "TB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : n) + " " + units[i];
  }

  function update() {
    const all = boxes();
    const chosen = all.filter((box) => box.checked);
    const files = chosen.length;
    const bytes = chosen.reduce((sum, box) => sum + Number(box.dataset.size || 0), 0);
    bar.classList.toggle("has-selection", files > 0);
    document.body.classList.toggle("selecting", files > 0);
    count.textContent = files ? `${files} selected · ${human(bytes)}` : idle;
    for (const button of actions) button.disabled = files === 0;
    for (const box of pageBoxes) {
      box.checked = files > 0 && files === all.length;
      box.indeterminate = files > 0 && files < all.length;
    }
    for (const box of all) box.closest("tr").classList.toggle("selected", box.checked);
  }

  document.addEventListener("click", (e) => {
    const box = e.target.closest('input[name="ids"][form="selection"]');
    if (!box) return;
    if (e.shiftKey && last && last !== box && last.isConnected) {
      const all = boxes();
      const [from, to] = [all.indexOf(last), all.indexOf(box)].sort((a, b) => a - b);
      for (const other of all.slice(from, to + 1)) other.checked = box.checked;
    }
    last = box;
    update();
  });

  // A shift-click would also select the text between the two rows.
  document.addEventListener("mousedown", (e) => {
    if (e.shiftKey && e.target.closest('input[name="ids"][form="selection"]')) e.preventDefault();
  });

  for (const pageBox of pageBoxes) {
    pageBox.addEventListener("change", () => {
      for (const box of boxes()) box.checked = pageBox.checked;
      last = null;
      update();
    });
  }

  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape" || document.querySelector("details.menu[open]")) return;
    if (!boxes().some((box) => box.checked)) return;
    for (const box of boxes()) box.checked = false;
    update();
  });

  // The browser may bring back ticked boxes when the page is shown again (Back).
  window.addEventListener("pageshow", update);
  update();
})();
