// «Выбрать все на странице» in the moderation queue ticks (or clears) the page's boxes in place: no reload, the
// focus stays on the link. Without JavaScript the link opens the same page with every box ticked.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("form.bulk-form a[data-select-all]") : null;
    if (!link) { return; }
    event.preventDefault();
    var form = link.closest("form.bulk-form");
    var on = link.getAttribute("data-select-all") === "on";
    form.querySelectorAll("input[type=checkbox][name=practice]").forEach(function (box) { box.checked = on; });
    link.setAttribute("data-select-all", on ? "off" : "on");
    link.textContent = on ? "Снять отметки на странице" : "Выбрать все на странице";
  });
}());
