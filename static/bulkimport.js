// Progressive enhancement of the bulk import's progress page: every two seconds the numbers are fetched
// (/import/practices/<key>/progress.json) and written into the page in place, so keyboard focus and a screen
// reader's place stay where they are; the status region says how far the import is at most every ten seconds
// (not at every update). When the import is over, the page opens its result. Without JavaScript the page has
// an «Обновить» link. An answer that will not change by asking again (404: no such import, or no longer kept;
// 403; 401: signed out) stops the polling at once and says why; a failed request (network, 5xx) is tried again,
// TRIES times in a row at most. Either way the bar stops moving and «Обновить» appears.
(function () {
  "use strict";

  var EVERY_MS = 2000;
  var SAY_EVERY_MS = 10000;
  var TRIES = 3;  // failed requests in a row before the page gives up and offers «Обновить»
  var FINAL = [401, 403, 404, 410];  // answers that asking again will not change

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

    function stop(message) {
      status.textContent = message;
      // an indeterminate bar (no number yet) would go on moving as if the import were still followed
      if (bar && !bar.hasAttribute("value")) {
        bar.hidden = true;
        if (label) { label.hidden = true; }  // «Подготовка к загрузке…» would say it is still going on
      }
      if (refresh) { refresh.hidden = false; }
    }

    function giveUp() {
      stop("Ход загрузки не удалось обновить: нажмите «Обновить».");
    }

    // The server's own words (problem details: {"title", "detail"} in Russian), or a message of the status.
    function refused(response) {
      var fallback = response.status === 401 ? "Вы вышли из банка: войдите снова и откройте страницу ещё раз."
        : response.status === 403 ? "Нет прав на просмотр хода этой загрузки."
        : "Такой загрузки нет: её ход и итог хранятся сутки.";
      return response.json()
        .then(function (problem) { return (problem && problem.detail) || fallback; },
              function () { return fallback; })
        .then(function (message) { stop("Ход загрузки больше не обновляется. " + message); });
    }

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (FINAL.indexOf(response.status) !== -1) { return refused(response).then(function () { return null; }); }
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (body) {
          if (body === null) { return; }  // stopped: the message is shown
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
