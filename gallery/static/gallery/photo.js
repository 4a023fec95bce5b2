// The photo's own page: the arrow keys and a swipe on a touch screen go to the previous or next
// photo of the timeline it was opened from.
(function () {
  "use strict";
  const prev = document.querySelector('.photo-nav a[rel="prev"]');
  const next = document.querySelector('.photo-nav a[rel="next"]');
  function go(link) { if (link) location.assign(link.href); }
  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.target.closest("input, textarea, select, [contenteditable]")) return;
    if (e.key === "ArrowLeft") go(prev);
    else if (e.key === "ArrowRight") go(next);
  });
  const media = document.querySelector(".photo-page .lb-media");
  if (media && window.gallerySwipe) window.gallerySwipe(media, (delta) => go(delta > 0 ? next : prev));
})();
