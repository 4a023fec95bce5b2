// Choosing several photos: the tick on a tile (shown on hover), a shift-click for every photo
// between the last one ticked and this one, a long press on a touch screen, or "Select" and then
// taps. The bar at the bottom downloads them as a zip, tags them or deletes them (after a
// confirmation page).
(function () {
  "use strict";
  const timeline = document.getElementById("timeline");
  const bar = document.getElementById("photo-bulk");
  if (!timeline || !bar) return;
  const toggle = document.querySelector(".select-toggle");
  const count = bar.querySelector(".sb-count");
  const tagInput = bar.querySelector("input[name=tag]");
  let anchor = null; // the tick the last (shift-)click set: a shift-click ranges from it

  const picks = () => Array.from(timeline.querySelectorAll("input.pick"));
  const pickOf = (el) => el.closest(".cell").querySelector("input.pick");
  const selecting = () => document.body.classList.contains("selecting");

  function setMode(on) {
    document.body.classList.toggle("selecting", on);
    for (const pick of picks()) pick.tabIndex = on ? 0 : -1;
    if (toggle) {
      toggle.setAttribute("aria-pressed", String(on));
      toggle.textContent = on ? "Cancel" : "Select";
    }
    if (!on) {
      for (const pick of picks()) set(pick, false);
      anchor = null;
    }
    update();
  }
  function set(pick, on) {
    pick.checked = on;
    pick.closest(".cell").classList.toggle("selected", on);
  }
  function update() {
    const n = picks().filter((p) => p.checked).length;
    if (n && !selecting()) { setMode(true); return; }
    bar.hidden = n === 0;
    count.textContent = n === 1 ? "1 selected" : n + " selected";
  }
  function range(from, to, on) {
    const all = picks();
    const [a, b] = [all.indexOf(from), all.indexOf(to)].sort((x, y) => x - y);
    if (a < 0) return;
    for (const pick of all.slice(a, b + 1)) set(pick, on);
  }
  function choose(pick, shift) {
    if (shift && anchor && anchor !== pick) range(anchor, pick, pick.checked);
    else set(pick, pick.checked);
    anchor = pick;
    update();
  }

  timeline.addEventListener("click", (e) => {
    const pick = e.target.closest("input.pick");
    if (pick) { choose(pick, e.shiftKey); return; }
    const tile = e.target.closest("a.tile");
    if (!tile) return;
    if (suppressClick) { suppressClick = false; e.preventDefault(); return; }
    if (!selecting() && !e.shiftKey) return; // the lightbox opens it
    e.preventDefault();
    const target = pickOf(tile);
    target.checked = e.shiftKey && anchor ? true : !target.checked;
    choose(target, e.shiftKey);
  });

  // A long press on a touch screen selects the photo and starts choosing.
  let press = null;
  let suppressClick = false;
  timeline.addEventListener("pointerdown", (e) => {
    const tile = e.target.closest("a.tile");
    if (!tile || e.pointerType !== "touch") return;
    const start = { x: e.clientX, y: e.clientY };
    press = {
      start,
      timer: setTimeout(() => {
        press = null;
        suppressClick = true;
        const pick = pickOf(tile);
        set(pick, true);
        anchor = pick;
        update();
        if (navigator.vibrate) navigator.vibrate(15);
      }, 450),
    };
  });
  function cancelPress() { if (press) { clearTimeout(press.timer); press = null; } }
  timeline.addEventListener("pointermove", (e) => {
    if (press && Math.hypot(e.clientX - press.start.x, e.clientY - press.start.y) > 10) cancelPress();
  });
  for (const type of ["pointerup", "pointercancel"]) timeline.addEventListener(type, cancelPress);
  // No link menu or image preview for a long press on a tile.
  timeline.addEventListener("contextmenu", (e) => {
    if (e.target.closest("a.tile") && (suppressClick || selecting())) e.preventDefault();
  });

  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener("click", () => setMode(!selecting()));
  }
  bar.querySelector(".sb-clear").addEventListener("click", () => setMode(false));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && selecting() && !document.querySelector("dialog[open]")) setMode(false);
  });
  // Enter in the tag box adds the tag (not the bar's first button, Download).
  tagInput.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    bar.querySelector('button[value="tag"]').click();
  });
  // Tiles of pages loaded later follow the mode.
  timeline.addEventListener("gallery:page", () => {
    for (const pick of picks()) pick.tabIndex = selecting() ? 0 : -1;
  });
})();
