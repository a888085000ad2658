// «Как цитировать»: the reference is selected whole when it gets the keyboard focus (a click selects it by CSS,
// user-select: all), and a «Скопировать» button puts it on the clipboard. Without the script the reference is
// still selectable text.
(function () {
  "use strict";

  function selectText(element) {
    var selection = window.getSelection();
    selection.removeAllRanges();
    var range = document.createRange();
    range.selectNodeContents(element);
    selection.addRange(range);
  }

  function copied(element) {
    // the page's own copy command: for a page on plain http, where the clipboard API is not offered
    selectText(element);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function setUp(text) {
    var row = document.createElement("p");
    var button = document.createElement("button");
    var status = document.createElement("span");
    row.className = "cite-copy no-print";
    button.type = "button";
    button.className = "button button--secondary button--small";
    button.textContent = "Скопировать";
    if (text.dataset.citeLabel) {  // several references in one box (a practice's files): which one it copies
      button.setAttribute("aria-label", "Скопировать " + text.dataset.citeLabel);
    }
    status.className = "cite-copy__status";
    status.setAttribute("role", "status");
    row.appendChild(button);
    row.appendChild(status);
    text.parentNode.insertBefore(row, text.nextSibling);

    text.addEventListener("focus", function () { selectText(text); });
    text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();  // Space would scroll the page
        selectText(text);
      }
    });
    button.addEventListener("click", function () {
      var reference = text.textContent.trim();
      var done = function () { status.textContent = "Скопировано"; };
      var failed = function () {
        status.textContent = copied(text) ? "Скопировано" : "Не удалось скопировать: ссылка выделена, нажмите Ctrl+C";
      };
      status.textContent = "";
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(reference).then(done, failed);
      } else {
        failed();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".cite-text").forEach(setUp);
  });
})();
