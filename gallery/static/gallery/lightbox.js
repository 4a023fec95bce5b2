// The lightbox: a modal dialog over the grid with the photo page's panel. Previous and next
// follow the grid (loading more pages at either end), by the buttons, the arrow keys or a swipe;
// Tab stays inside it; Escape or the close button closes it and gives focus back to the tile of
// the photo last shown.
(function () {
  "use strict";
  const box = document.getElementById("lightbox");
  const timeline = document.getElementById("timeline");
  if (!box || !timeline || typeof box.showModal !== "function") return;
  const content = box.querySelector(".lb-content");
  const prev = box.querySelector(".lb-prev");
  const next = box.querySelector(".lb-next");
  const closeButton = box.querySelector(".lb-close");
  const csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  let current = null;
  let opener = null;

  const tiles = () => Array.from(timeline.querySelectorAll("a.tile[data-photo]"));
  const tileOf = (id) => timeline.querySelector('a.tile[data-photo="' + id + '"]');
  const indexOf = (list) => list.findIndex((t) => t.dataset.photo === current);

  function show(id) {
    current = String(id);
    box.classList.add("lb-loading");
    history.replaceState(null, "", location.pathname + location.search + "#photo-" + current);
    const tile = tileOf(current);
    const href = tile ? tile.getAttribute("href") : "/photos/" + current + "/";
    fetch(href + (href.includes("?") ? "&" : "?") + "fragment=1", { credentials: "same-origin" })
      .then((r) => { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then((html) => { if (String(id) === current) content.innerHTML = html; })
      .catch(() => {
        content.innerHTML = '<div class="lb-media"><p class="reason">This photo could not be loaded.</p></div>';
      })
      .finally(() => { box.classList.remove("lb-loading"); updateNav(); });
    updateNav();
  }

  function open(id, from) {
    opener = from || null;
    if (!box.open) box.showModal();
    document.body.classList.add("lb-open");
    show(id);
    closeButton.focus();
  }

  // Escape closes a modal dialog by itself; every way of closing ends here.
  box.addEventListener("close", () => {
    document.body.classList.remove("lb-open");
    content.innerHTML = "";
    history.replaceState(null, "", location.pathname + location.search);
    const back = tileOf(current) || opener;
    current = null;
    if (!back) return;
    // The close event comes after the browser gave focus back to the tile that opened the
    // dialog: the tile of the photo shown last takes it over.
    back.scrollIntoView({ block: "nearest" });
    back.focus({ preventScroll: true });
  });

  function step(delta) {
    if (current === null) return;
    const list = tiles();
    const target = list[indexOf(list) + delta];
    if (target) {
      show(target.dataset.photo);
      target.scrollIntoView({ block: "nearest" });
      return;
    }
    const more = delta > 0 ? window.gallery.loadOlder() : window.gallery.loadNewer();
    if (more) {
      more.then(() => {
        const again = tiles();
        const after = again[indexOf(again) + delta];
        if (after) show(after.dataset.photo);
      });
    }
  }

  function updateNav() {
    const list = tiles();
    const i = indexOf(list);
    prev.disabled = i === -1 || (i === 0 && !timeline.querySelector(".newer"));
    next.disabled = i === -1 || (i >= list.length - 1 && !timeline.querySelector(".more"));
  }

  document.addEventListener("click", (e) => {
    const tile = e.target.closest("a.tile[data-photo]");
    if (!tile || e.defaultPrevented || e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    if (document.body.classList.contains("selecting")) return;
    e.preventDefault();
    open(tile.dataset.photo, tile);
  });
  box.addEventListener("click", (e) => { if (e.target.closest("[data-close]")) box.close(); });
  prev.addEventListener("click", () => step(-1));
  next.addEventListener("click", () => step(1));

  box.addEventListener("keydown", (e) => {
    if (e.key === "Tab") { keepFocusInside(e); return; }
    if (e.target.closest("input, textarea, select")) return;
    if (e.key === "ArrowLeft") { e.preventDefault(); step(-1); }
    else if (e.key === "ArrowRight") { e.preventDefault(); step(1); }
  });
  // The page behind is inert while the dialog is open; Tab and Shift-Tab also wrap around
  // inside it instead of leaving for the browser's own controls.
  function keepFocusInside(e) {
    const focusable = Array.from(box.querySelectorAll(
      "a[href], button:not([disabled]), input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex='-1'])"
    )).filter((el) => el.getClientRects().length);
    if (!focusable.length) return;
    const first = focusable[0], last = focusable[focusable.length - 1];
    if (e.shiftKey && (document.activeElement === first || !box.contains(document.activeElement))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  }

  if (window.gallerySwipe) window.gallerySwipe(box.querySelector(".lb-frame"), step);

  // Tags: the server answers with the panel as it now is.
  box.addEventListener("submit", (e) => {
    const form = e.target.closest("form.tag-form");
    if (!form) return;
    e.preventDefault();
    const data = new FormData(form);
    if (e.submitter && e.submitter.name) data.append(e.submitter.name, e.submitter.value);
    data.append("fragment", "1");
    fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrf },
    })
      .then((r) => r.text())
      .then((html) => {
        content.innerHTML = html;
        const input = content.querySelector(".tag-add input");
        if (input) input.focus();
      });
  });

  const fromHash = /^#photo-(\d+)$/.exec(location.hash);
  if (fromHash) open(fromHash[1], null);
})();
