// Small behaviour every page shares, kept out of the templates so the pages need no inline
// script: menus close when you click elsewhere or press Escape, and `data-autosubmit` controls
// submit their form when they change.
(function () {
  "use strict";
  function openMenus() { return document.querySelectorAll("details.menu[open]"); }

  document.addEventListener("click", (e) => {
    for (const menu of openMenus()) if (!menu.contains(e.target)) menu.open = false;
  });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    for (const menu of openMenus()) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
  // One menu open at a time.
  document.addEventListener("toggle", (e) => {
    const menu = e.target;
    if (!(menu instanceof HTMLDetailsElement) || !menu.classList.contains("menu") || !menu.open) return;
    for (const other of openMenus()) if (other !== menu) other.open = false;
  }, true);

  document.addEventListener("change", (e) => {
    const control = e.target.closest("[data-autosubmit]");
    if (control && control.form) control.form.requestSubmit();
  });
})();
