// The messages of the last action stand where the page opens. An answer that leads to a part of a page (#files,
// #item-12) has the browser scroll there, past the messages printed at the top of <main>: they move to that part,
// just above it (inside it for an item of a list). A refusal comes without the part (kb/templating.py), so it is
// seen at the top without the script too.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var flashes = document.querySelector("main .flashes");
    var target = null;
    if (!flashes || window.location.hash.length < 2) { return; }
    try {
      target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
    } catch (error) {  // a malformed «%» sequence: no such part
      return;
    }
    if (!target || target.contains(flashes) || !document.querySelector("main").contains(target)) { return; }
    flashes.classList.add("flashes--moved");
    if (target.tagName === "LI") {
      target.insertBefore(flashes, target.firstChild);
    } else {
      target.parentNode.insertBefore(flashes, target);
      // the browser's own scroll to the part (again at load, when the page has grown) leaves the messages above it
      var above = target.getBoundingClientRect().top - flashes.getBoundingClientRect().top;
      target.style.scrollMarginTop = Math.ceil(above) + 8 + "px";
    }
    target.scrollIntoView();
  });
})();

// A form sent back with errors: the focus goes to the summary above it (a role="alert" printed with the page is not
// read out, and the first wrong field may be many Tab presses down), and a link of the summary puts the focus in its
// field, the field's label in sight (templates/_forms.html, error_summary).
(function () {
  "use strict";

  function fieldOf(target) {
    var controls = "input:not([type=hidden]), select, textarea, button";
    return target.matches(controls) ? target : target.querySelector(controls);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) { return; }
    if (!document.activeElement || document.activeElement === document.body) { summary.focus(); }
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
      var field = target && fieldOf(target);
      if (!field) { return; }
      event.preventDefault();
      (target.closest(".field, fieldset") || target).scrollIntoView();
      field.focus({preventScroll: true});
    });
  });
})();
