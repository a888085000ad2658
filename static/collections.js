// Progressive enhancement of «В подборку»: the material is added without leaving the page, and the result
// is said beside the button (and to screen readers). Without JavaScript the form posts and the page reloads.
(function () {
  "use strict";

  function statusOf(form) {
    var status = form.querySelector(".add-to-collection__status");
    if (!status) {
      status = document.createElement("span");
      status.className = "add-to-collection__status";
      status.setAttribute("role", "status");
      form.appendChild(status);
    }
    return status;
  }

  function remember(form, collection) {
    // A collection the click created is offered (and chosen) in every «В подборку» list of the page.
    document.querySelectorAll("form.add-to-collection").forEach(function (each) {
      var select = each.querySelector("select[name=collection]");
      if (!select) {
        // The page was shown before the user had a collection, so its buttons have no list: the next click on
        // any of them adds to this collection rather than making «Моя подборка 2», «3»…
        var chosen = each.querySelector("input[name=collection]");
        if (!chosen) {
          chosen = document.createElement("input");
          chosen.type = "hidden";
          chosen.name = "collection";
          each.appendChild(chosen);
        }
        if (!chosen.value || each === form) { chosen.value = String(collection.id); }
        return;
      }
      if (!select.querySelector('option[value="' + collection.id + '"]')) {
        var option = document.createElement("option");
        option.value = String(collection.id);
        option.textContent = collection.title;
        select.insertBefore(option, select.querySelector('option[value="new"]'));
      }
      if (each === form) { select.value = String(collection.id); }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("add-to-collection") || !window.fetch) {
      return;
    }
    event.preventDefault();
    var button = form.querySelector("button");
    // A click while the request runs does nothing. The button is not disabled: a disabled button loses the
    // keyboard focus (to <body>), and the next Tab would start from the top of the page.
    if (form.dataset.busy) { return; }
    var status = statusOf(form);
    form.dataset.busy = "true";
    button.setAttribute("aria-disabled", "true");
    status.textContent = "Добавляем…";
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      // 409: refused (a full collection, a file of a practice not published), said as any other answer is.
      if (!response.ok && response.status !== 409) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (body) {
      status.textContent = body.message;
      // a refused first click of someone without a collection names none: the one it made was not kept
      if (!body.collection) { return; }
      var link = document.createElement("a");
      link.href = body.collection.url;
      link.textContent = "Открыть подборку";
      status.appendChild(document.createTextNode(" "));
      status.appendChild(link);
      remember(form, body.collection);
    }).catch(function () {
      form.submit();  // the page's own way: a reload with the message at the top
    }).then(function () {
      delete form.dataset.busy;
      button.removeAttribute("aria-disabled");
    });
  });
})();
