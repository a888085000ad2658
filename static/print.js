// Printing: the print style writes out where a link leads, and a path alone («/practices/67») cannot be typed
// from paper. Each link of the page's content to a page of the bank gets its full address for that rule.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("main a[href^='/']:not([href^='//'])").forEach(function (link) {
      link.setAttribute("data-print-url", link.href);
    });
  });
})();
