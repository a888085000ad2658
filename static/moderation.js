// «Выбрать все на странице» in the moderation queue: a button that ticks (or clears) the page's boxes in place, no
// reload, the focus staying on it. It is shown by this script; without JavaScript a link in its place opens the
// same page with every box ticked.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.bulk-form button[data-select-all]").forEach(function (button) {
      button.hidden = false;
    });
  });

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("form.bulk-form button[data-select-all]") : null;
    if (!button) { return; }
    var form = button.closest("form.bulk-form");
    var on = button.getAttribute("data-select-all") === "on";
    form.querySelectorAll("input[type=checkbox][name=practice]").forEach(function (box) { box.checked = on; });
    button.setAttribute("data-select-all", on ? "off" : "on");
    button.textContent = on ? "Снять отметки на странице" : "Выбрать все на странице";
  });
}());
