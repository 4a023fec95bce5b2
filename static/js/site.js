// Behaviour every page shares, kept out of the markup so the Content-Security-Policy can refuse
// all inline script and style:
// - data-style="--hue: 211; width: 40%" is applied through the CSSOM (which the policy allows),
//   on load and on every fragment inserted later (gallery pages, photo panels);
// - a <select data-autosubmit> submits its form when changed.
(function () {
  "use strict";

  function applyStyles(root) {
    const elements = root.querySelectorAll ? root.querySelectorAll("[data-style]") : [];
    const all = root.matches && root.matches("[data-style]") ? [root, ...elements] : elements;
    for (const element of all) {
      for (const declaration of element.dataset.style.split(";")) {
        const colon = declaration.indexOf(":");
        if (colon > 0) {
          element.style.setProperty(declaration.slice(0, colon).trim(), declaration.slice(colon + 1).trim());
        }
      }
    }
  }

  applyStyles(document);
  new MutationObserver(function (mutations) {
    for (const mutation of mutations) {
      for (const node of mutation.addedNodes) {
        if (node.nodeType === Node.ELEMENT_NODE) applyStyles(node);
      }
    }
  }).observe(document.documentElement, {childList: true, subtree: true});

  document.addEventListener("change", function (event) {
    const target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.submit();
    }
  });
})();
