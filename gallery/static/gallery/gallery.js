// Gallery behaviour: filters apply on change, older pages load on scroll (newer ones too after a
// jump), and placeholders of photos still processing fill in without a reload. The lightbox,
// the scrubber and selection have files of their own.
(function () {
  "use strict";
  const timeline = document.getElementById("timeline");
  if (!timeline) return;

  // Filters: a change applies at once; a new year starts with all of its months.
  const filters = document.getElementById("gallery-filters");
  if (filters) {
    filters.addEventListener("change", (e) => {
      if (e.target.name === "year" && filters.elements.month) filters.elements.month.value = "";
      filters.requestSubmit();
    });
    filters.addEventListener("submit", () => {
      // Leave empty choices and the default sort out of the address.
      for (const el of filters.elements) {
        if (el.name && (!el.value || (el.name === "sort" && el.value === "taken"))) el.disabled = true;
      }
    });
  }

  // Pages of the timeline. Older pages are appended to the one flow of tiles as the end comes
  // into view, newer ones (after a jump) put in front of it, keeping what is on screen in place.
  const grid = () => timeline.querySelector(".tiles");
  function fetchPage(url) {
    return fetch(url, { credentials: "same-origin" })
      .then((r) => { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then((html) => new DOMParser().parseFromString(html, "text/html"));
  }
  function cellsOf(doc) {
    const tiles = doc.querySelector(".tiles");
    return tiles ? Array.from(tiles.children) : [];
  }
  // A month is labelled once, on its first photo: a newer page that ends in the month the
  // flow starts with takes the label over.
  function unlabel(cell) {
    const label = cell && cell.querySelector(".month-label");
    if (label) label.remove();
    if (cell) cell.classList.remove("starts");
  }
  // One page at a time in each direction: ``link`` is the "Older photos" / "Newer photos" link
  // whose fragment is fetched, ``insert`` puts its cells into the flow.
  const loading = {};
  function loadPage(selector, label, insert) {
    const link = timeline.querySelector(selector);
    if (!link || loading[selector]) return loading[selector] || null;
    link.textContent = "Loading…";
    loading[selector] = fetchPage(link.dataset.next || link.dataset.newer)
      .then((doc) => {
        insert(cellsOf(doc).map((c) => document.adoptNode(c)));
        const next = doc.querySelector(selector);
        if (next) link.replaceWith(document.adoptNode(next)); else link.remove();
        observePaging();
        timeline.dispatchEvent(new CustomEvent("gallery:page"));
      })
      .catch(() => { link.textContent = label; })
      .finally(() => { loading[selector] = null; });
    return loading[selector];
  }
  function loadOlder() {
    return loadPage(".more", "Older photos", (cells) => grid().append(...cells));
  }
  function loadNewer() {
    return loadPage(".newer", "Newer photos", (cells) => {
      const first = grid().firstElementChild;
      if (first && cells.length && cells[cells.length - 1].dataset.month === first.dataset.month) {
        unlabel(first);
      }
      const anchor = first ? first.getBoundingClientRect().top : 0;
      grid().prepend(...cells);
      // What was on screen stays there (browsers without scroll anchoring, or at the top).
      if (first) window.scrollBy(0, first.getBoundingClientRect().top - anchor);
    });
  }
  const observer = "IntersectionObserver" in window
    ? new IntersectionObserver((entries) => {
        for (const e of entries) {
          if (!e.isIntersecting) continue;
          if (e.target.classList.contains("more")) loadOlder(); else loadNewer();
        }
      }, { rootMargin: "800px 0px" })
    : null;
  function observePaging() {
    if (!observer) return;
    observer.disconnect();
    for (const link of timeline.querySelectorAll(".more, .newer")) observer.observe(link);
  }
  timeline.addEventListener("click", (e) => {
    const more = e.target.closest(".more");
    const newer = e.target.closest(".newer");
    if (more) { e.preventDefault(); loadOlder(); }
    if (newer) { e.preventDefault(); loadNewer(); }
  });

  // A jump (the scrubber): a month already in the flow is scrolled to; any other replaces the
  // flow with the pages around that month.
  function jumpTo(month, url) {
    const label = timeline.querySelector('.cell[data-month="' + month + '"] .month-label');
    if (label) {
      label.scrollIntoView({ block: "start" });
      // Near the end of what is loaded the page can be too short to bring the month to the
      // top: load the next page (often already on its way), then scroll to it again.
      const more = label.getBoundingClientRect().top > 16 ? loadOlder() : null;
      return more ? more.then(() => label.scrollIntoView({ block: "start" })) : Promise.resolve();
    }
    return fetchPage(url + (url.includes("?") ? "&" : "?") + "fragment=1").then((doc) => {
      if (observer) observer.disconnect();
      timeline.replaceChildren(...Array.from(doc.body.childNodes).map((n) => document.adoptNode(n)));
      history.replaceState(null, "", url);
      const first = timeline.querySelector(".month-label");
      if (first) first.scrollIntoView({ block: "start" });
      // Newer pages load when asked (or scrolled to), not straight after the jump.
      setTimeout(observePaging, 400);
      timeline.dispatchEvent(new CustomEvent("gallery:page"));
    });
  }
  window.gallery = { jumpTo, loadOlder, loadNewer };
  observePaging();

  // The problems card goes at once when dismissed (the server remembers it).
  const dismiss = document.querySelector("form.dismiss-problems");
  if (dismiss) {
    dismiss.addEventListener("submit", (e) => {
      e.preventDefault();
      const data = new FormData(dismiss);
      data.append("fragment", "1");
      fetch(dismiss.action, { method: "POST", body: data, credentials: "same-origin" })
        .then((r) => {
          if (!r.ok) throw new Error(r.status);
          dismiss.closest(".problems").remove();
          const main = document.getElementById("main");
          if (main) main.focus();
        })
        .catch(() => dismiss.submit());
    });
  }

  // Placeholders of photos still processing: poll until each is final.
  const pendingUrl = timeline.dataset.pendingUrl;
  function waiting() {
    return Array.from(document.querySelectorAll(".placeholder[data-object]"))
      .filter((el) => el.dataset.status === "received" || el.dataset.status === "processing");
  }
  function render(el, obj) {
    el.dataset.status = obj.status;
    el.className = "tile placeholder " + obj.status;
    if (obj.photo) {
      const cell = document.createElement("div");
      cell.className = "cell fresh " + obj.photo.shape;
      const a = document.createElement("a");
      a.className = "tile";
      a.href = obj.photo.detail_url;
      a.dataset.photo = obj.photo.id;
      a.title = obj.name;
      const img = document.createElement("img");
      img.src = obj.photo.thumbnail_url;
      img.alt = obj.name;
      a.append(img);
      cell.append(a);
      el.replaceWith(cell);
      return;
    }
    const body = el.querySelector(".ph-body");
    body.replaceChildren();
    const icon = document.createElement("span");
    icon.className = obj.final ? "ph-icon" : "spinner";
    if (obj.final) icon.textContent = obj.status === "done" ? "=" : "!";
    const name = document.createElement("span");
    name.className = "ph-name";
    name.textContent = obj.name;
    const status = document.createElement("span");
    status.className = "ph-status";
    status.textContent = obj.status_label;
    body.append(icon, name, status);
    if (obj.reason) {
      const reason = document.createElement("span");
      reason.className = "ph-reason";
      reason.textContent = obj.reason;
      body.append(reason);
    }
  }
  let delay = 1500;
  function poll() {
    const els = waiting();
    if (!els.length || !pendingUrl) return;
    const ids = els.map((el) => el.dataset.object).slice(0, 200);
    fetch(pendingUrl + "?ids=" + ids.join(","), { credentials: "same-origin" })
      .then((r) => r.json())
      .then((body) => {
        for (const obj of body.objects) {
          const el = document.querySelector('.placeholder[data-object="' + obj.id + '"]');
          if (el && (obj.status !== el.dataset.status || obj.photo || obj.final)) render(el, obj);
        }
        delay = 1500;
      })
      .catch(() => { delay = Math.min(delay * 2, 30000); })
      .finally(() => { if (waiting().length) setTimeout(poll, delay); });
  }
  setTimeout(poll, delay);
})();
