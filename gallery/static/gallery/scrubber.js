// The scrubber: a thin timeline of months beside the photos. Click or drag along it (a finger
// too) to jump to a month; a bubble names the month under the pointer; the arrow keys move
// along it. While the photos scroll, it marks the month on screen.
(function () {
  "use strict";
  const nav = document.querySelector(".scrubber");
  const timeline = document.getElementById("timeline");
  if (!nav || !timeline || !window.gallery) return;
  const list = nav.querySelector("ol");
  const items = Array.from(nav.querySelectorAll("li"));
  const bubble = nav.querySelector(".sc-bubble");
  const linkOf = (li) => li.querySelector("a");
  const nameOf = (li) => linkOf(li).getAttribute("aria-label").split(",")[0];

  function itemAt(y) {
    const box = list.getBoundingClientRect();
    const i = Math.floor(((y - box.top) / box.height) * items.length);
    return items[Math.min(items.length - 1, Math.max(0, i))];
  }
  function showBubble(li) {
    bubble.textContent = nameOf(li);
    if (bubble.parentElement !== li) li.append(bubble);
    bubble.hidden = false;
  }
  function hideBubble() { bubble.hidden = true; }

  function jump(li) {
    nav.classList.add("jumping");
    mark(li.dataset.month);
    window.gallery.jumpTo(li.dataset.month, linkOf(li).getAttribute("href"))
      .finally(() => { nav.classList.remove("jumping"); });
  }

  // Pointer (mouse, pen, finger): press, drag, let go to jump.
  let dragging = null;
  nav.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    e.preventDefault();
    nav.setPointerCapture(e.pointerId);
    dragging = itemAt(e.clientY);
    nav.classList.add("dragging");
    showBubble(dragging);
  });
  nav.addEventListener("pointermove", (e) => {
    const li = itemAt(e.clientY);
    if (dragging) dragging = li;
    if (dragging || e.pointerType === "mouse") showBubble(li);
  });
  nav.addEventListener("pointerup", () => {
    if (!dragging) return;
    const li = dragging;
    dragging = null;
    nav.classList.remove("dragging");
    hideBubble();
    jump(li);
  });
  nav.addEventListener("pointercancel", () => { dragging = null; nav.classList.remove("dragging"); hideBubble(); });
  nav.addEventListener("pointerleave", () => { if (!dragging) hideBubble(); });
  // The pointer handled it; a click from the keyboard (Enter) jumps here.
  nav.addEventListener("click", (e) => {
    const li = e.target.closest("li");
    e.preventDefault();
    if (li && e.detail === 0) jump(li);
  });

  // Keyboard: one stop in the tab order, the arrows move along the months.
  nav.addEventListener("keydown", (e) => {
    const li = e.target.closest("li");
    if (!li) return;
    const i = items.indexOf(li);
    const to = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: items.length - 1,
      PageDown: i + 12, PageUp: i - 12 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    focusItem(items[Math.min(items.length - 1, Math.max(0, to))]);
  });
  function focusItem(li) {
    for (const other of items) linkOf(other).tabIndex = other === li ? 0 : -1;
    linkOf(li).focus();
    showBubble(li);
  }
  nav.addEventListener("focusout", (e) => { if (!nav.contains(e.relatedTarget)) hideBubble(); });

  // The month on screen: the last label that has scrolled past the top quarter.
  function mark(month) {
    for (const li of items) {
      const on = li.dataset.month === month;
      li.classList.toggle("current", on);
      if (on) linkOf(li).setAttribute("aria-current", "true"); else linkOf(li).removeAttribute("aria-current");
    }
  }
  function current() {
    const line = window.innerHeight / 4;
    let month = null;
    for (const label of timeline.querySelectorAll(".month-label")) {
      if (label.getBoundingClientRect().top > line) break;
      month = label.closest(".cell").dataset.month;
    }
    if (!month) {
      const first = timeline.querySelector(".cell");
      month = first ? first.dataset.month : null;
    }
    return month;
  }
  let queued = false;
  function onScroll() {
    if (queued || dragging || nav.classList.contains("jumping")) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; mark(current()); });
  }
  window.addEventListener("scroll", onScroll, { passive: true });
  timeline.addEventListener("gallery:page", onScroll);

  // Years whose label would overlap the one above (a year of one month) go unnamed.
  function spaceYears() {
    let bottom = -Infinity;
    for (const year of nav.querySelectorAll(".sc-year")) {
      year.classList.remove("crowded");
      const box = year.getBoundingClientRect();
      if (box.top < bottom + 2) year.classList.add("crowded"); else bottom = box.bottom;
    }
  }
  window.addEventListener("resize", spaceYears);
  spaceYears();
  onScroll();
})();
