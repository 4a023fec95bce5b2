// The conversation pane: it fills the screen below the tools and scrolls on its own (the page
// does not); it opens at the newest message (or at the message asked for), and older or newer
// messages are fetched as parts and added in place, keeping what you are reading where it is.
(function () {
  "use strict";
  const pane = document.getElementById("convo");
  if (!pane) return;
  let loading = false;

  // The pane takes the screen's height left under the tools (and above what follows it).
  function fit() {
    const rect = pane.getBoundingClientRect();
    const top = rect.top + window.scrollY;
    const below = document.documentElement.scrollHeight - (top + rect.height);
    pane.style.height = Math.max(320, Math.floor(window.innerHeight - top - below)) + "px";
  }

  function openAt() {
    const id = pane.dataset.anchor;
    const anchor = id ? document.getElementById(id) : null;
    if (anchor) {
      // The message a third of the way down, as a search hit or a date was asked for.
      pane.scrollTop = Math.max(0, anchor.offsetTop - pane.clientHeight / 3);
    } else {
      pane.scrollTop = pane.scrollHeight;
    }
  }

  function nodesOf(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  // The same day on both sides of the seam becomes one section (one date chip).
  function join(first, second) {
    if (!first || !second || first.dataset.date !== second.dataset.date) return false;
    const chip = second.querySelector(".day-chip");
    for (const node of [...second.childNodes]) if (node !== chip) first.appendChild(node);
    second.remove();
    return true;
  }

  async function load(link) {
    if (loading) return;
    loading = true;
    link.setAttribute("aria-busy", "true");
    const older = link.dataset.load === "older";
    try {
      const url = new URL(link.href, location.href);
      url.searchParams.set("part", "1");
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const part = nodesOf(await response.text());
      if (older) {
        const height = pane.scrollHeight, top = pane.scrollTop;
        const existing = pane.querySelector(".convo-day");
        const sections = part.querySelectorAll(".convo-day");
        const last = sections[sections.length - 1];
        link.replaceWith(part);
        if (last && existing && last.dataset.date === existing.dataset.date) {
          const chip = existing.querySelector(".day-chip");
          const moving = [...existing.childNodes].filter((n) => n !== chip);
          for (const node of moving) last.appendChild(node);
          existing.remove();
        }
        pane.scrollTop = top + (pane.scrollHeight - height);
      } else {
        const sections = pane.querySelectorAll(".convo-day");
        const before = sections[sections.length - 1];
        const first = part.querySelector(".convo-day");
        link.replaceWith(part);
        join(before, first);
      }
      pane.dispatchEvent(new CustomEvent("convo:loaded", { bubbles: true }));
    } catch (error) {
      link.removeAttribute("aria-busy");
      link.textContent = "Could not load; try again";
    } finally {
      loading = false;
      watch();
    }
  }

  pane.addEventListener("click", (e) => {
    const link = e.target.closest("a[data-load]");
    if (!link) return;
    e.preventDefault();
    load(link);
  });

  // Reaching the top (or bottom) of the pane loads the next part by itself.
  const seen = new IntersectionObserver((entries) => {
    for (const entry of entries) if (entry.isIntersecting) load(entry.target);
  }, { root: pane, rootMargin: "200px 0px" });
  function watch() {
    seen.disconnect();
    for (const link of pane.querySelectorAll("a[data-load]")) seen.observe(link);
  }

  fit();
  openAt();
  window.addEventListener("resize", fit);
  // Let the first scroll settle before links in view start loading.
  requestAnimationFrame(() => requestAnimationFrame(watch));
})();
