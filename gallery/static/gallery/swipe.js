// A horizontal swipe on a touch screen: ``onSwipe(+1)`` for a swipe to the left (the next photo),
// ``onSwipe(-1)`` to the right. Mostly-vertical moves (scrolling) and short ones are ignored.
window.gallerySwipe = function (element, onSwipe) {
  "use strict";
  let start = null;
  element.addEventListener("touchstart", (e) => {
    start = e.touches.length === 1 ? { x: e.touches[0].clientX, y: e.touches[0].clientY } : null;
  }, { passive: true });
  element.addEventListener("touchend", (e) => {
    if (!start || !e.changedTouches.length) return;
    const dx = e.changedTouches[0].clientX - start.x;
    const dy = e.changedTouches[0].clientY - start.y;
    start = null;
    if (Math.abs(dx) >= 50 && Math.abs(dx) > 1.5 * Math.abs(dy)) onSwipe(dx < 0 ? 1 : -1);
  });
  element.addEventListener("touchcancel", () => { start = null; });
};
