// The messages of the last action stand where the page opens. An answer that leads to a part of a page (#files,
// #item-12) has the browser scroll there, past the messages printed at the top of <main>: they move to that part,
// just above it (inside it for an item of a list). A refusal comes without the part (kb/templating.py), so it is
// seen at the top without the script too.
(function () {
  "use strict";

  var MOVED = "kb-moved-by";  // which move button of a collection's item was pressed (its direction), for the reload

  // A collection's item moved («↑ Выше», «В конец»…): the page reloads at the item, where the keyboard's focus goes
  // back to the same button (to the item when the item has none now: at the top, «↑ Выше» is gone), and the
  // message «Перемещено…» is said: printed with the page, a role="status" is not read out, so it is put back into
  // its region once the page is there.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-move]");
    if (!form) { return; }
    var item = form.closest("li[id]");
    try {
      window.sessionStorage.setItem(MOVED, (item ? item.id : "") + " " + form.getAttribute("data-move"));
    } catch (error) { /* no storage: the focus stays at the top, as without the script */ }
  });

  function afterMove(item, flashes) {
    var pressed = null;
    try {
      pressed = (window.sessionStorage.getItem(MOVED) || "").split(" ");
      window.sessionStorage.removeItem(MOVED);
    } catch (error) {
      return;
    }
    if (pressed[0] !== item.id || !pressed[1]) { return; }  // another action's reload (a note saved)
    var direction = pressed[1];
    var form = item.querySelector("form[data-move='" + direction + "']");
    var button = form && form.querySelector("button");
    if (!button) {
      item.setAttribute("tabindex", "-1");
      button = item;
    }
    var said = Array.prototype.slice.call(flashes.childNodes);
    said.forEach(function (node) { flashes.removeChild(node); });
    // after the browser's own going to the #item (until the page has loaded it takes the focus off to <body>)
    function settle() {
      window.setTimeout(function () {
        button.focus({preventScroll: true});
        window.setTimeout(function () {
          said.forEach(function (node) { flashes.appendChild(node); });
        }, 300);
      }, 0);
    }
    if (document.readyState === "complete") { settle(); } else { window.addEventListener("load", settle); }
  }

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
      afterMove(target, flashes);
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
