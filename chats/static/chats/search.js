// Search filters fold away on a phone: the <details> starts closed there (its summary says how
// many filters are on) and open on a wider screen, where there is room for them.
(function () {
  "use strict";
  const wide = window.matchMedia("(min-width: 701px)");
  for (const details of document.querySelectorAll("details[data-fold-narrow]")) {
    if (wide.matches) details.open = true;
  }
})();
