// Progressive enhancement of the bulk import's progress page: every two seconds the numbers are fetched
// (/import/practices/<key>/progress.json) and written into the page in place, so keyboard focus and a screen
// reader's place stay where they are; the status region says how far the import is at most every ten seconds
// (not at every update). When the import is over, the page opens its result. Without JavaScript the page has
// an «Обновить» link.
(function () {
  "use strict";

  var EVERY_MS = 2000;
  var SAY_EVERY_MS = 10000;
  var TRIES = 3;  // failed requests in a row before the page gives up and offers «Обновить»

  function setUp(status) {
    var url = status.getAttribute("data-progress-url");
    var refresh = document.querySelector("a.import-refresh");
    var bar = document.getElementById("import-progress");
    var label = document.querySelector('label[for="import-progress"]');
    var counts = document.getElementById("import-counts");
    var said = Date.now();
    var failures = 0;

    if (refresh) { refresh.hidden = true; }

    function show(body) {
      if (body.total !== null) {
        bar.max = body.total || 1;
        bar.value = body.done;
        bar.textContent = body.done + " из " + body.total;
      }
      label.textContent = body.headline;
      counts.textContent = body.counts;
      counts.hidden = !body.counts;
      if (Date.now() - said >= SAY_EVERY_MS) {
        status.textContent = body.headline + ".";
        said = Date.now();
      }
    }

    function giveUp() {
      status.textContent = "Ход загрузки не удалось обновить: нажмите «Обновить».";
      if (refresh) { refresh.hidden = false; }
    }

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (body) {
          failures = 0;
          if (body.finished || body.interrupted) {
            status.textContent = "Загрузка закончилась: открывается итог.";
            window.location.reload();
            return;
          }
          show(body);
          window.setTimeout(poll, EVERY_MS);
        })
        .catch(function () {
          failures += 1;
          if (failures >= TRIES) { giveUp(); } else { window.setTimeout(poll, EVERY_MS); }
        });
    }

    window.setTimeout(poll, EVERY_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var status = document.querySelector("[data-progress-url]");
    if (status && window.fetch) { setUp(status); }
  });
})();
