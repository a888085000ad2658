// Progressive enhancement of search: completions under the search box and a filter for long facet lists.
// Without JavaScript the box is a plain search form and every facet value is a plain link.
(function () {
  "use strict";

  var SUGGEST_URL = "/api/v1/suggest";
  var DELAY_MS = 120;

  function fold(text) {
    return text.toLowerCase().replace(/ё/g, "е");
  }

  function plural(n, one, few, many) {
    var tens = n % 100, units = n % 10;
    if (units === 1 && tens !== 11) { return one; }
    if (units >= 2 && units <= 4 && (tens < 12 || tens > 14)) { return few; }
    return many;
  }

  function setUpCompletions(input, index) {
    var list = document.createElement("ul");
    var listId = "search-suggestions-" + index;
    var timer = null;
    var items = [];
    var active = -1;
    var lastQuery = "";
    // Screen readers hear how many suggestions appeared and how to choose one.
    var status = document.createElement("p");

    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.id = listId + "-status";
    input.parentNode.appendChild(status);
    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Подсказки");
    list.hidden = true;
    input.parentNode.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(position) {
      active = position;
      items.forEach(function (item, i) {
        item.setAttribute("aria-selected", i === position ? "true" : "false");
      });
      if (position >= 0) {
        input.setAttribute("aria-activedescendant", items[position].id);
        // the list scrolls in its own box (60% of a phone's screen): the chosen one is brought into it
        items[position].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function render(suggestions) {
      list.textContent = "";
      items = suggestions.map(function (s, i) {
        var item = document.createElement("li");
        var kind = document.createElement("span");
        item.id = listId + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.dataset.url = s.url;
        item.appendChild(document.createTextNode(s.label));
        kind.className = "suggestion-kind";
        kind.textContent = s.kind_label;
        item.appendChild(kind);
        // mousedown, not click: the input's blur would close the list before the click lands
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          window.location.assign(s.url);
        });
        list.appendChild(item);
        return item;
      });
      active = -1;
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
      status.textContent = items.length
        ? items.length + " " + plural(items.length, "подсказка", "подсказки", "подсказок") + ": выбор стрелками вверх и вниз, Enter — перейти"
        : "";
    }

    function fetchSuggestions() {
      var query = input.value.trim();
      if (query === lastQuery) {
        return;
      }
      lastQuery = query;
      if (query.length < 2) {
        render([]);
        return;
      }
      fetch(SUGGEST_URL + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (body) {
          if (input.value.trim() === query) {
            render(body.suggestions || []);
          }
        })
        .catch(function () { render([]); });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden || !items.length) {
        return;
      }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % items.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active <= 0 ? items.length - 1 : active - 1);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.assign(items[active].dataset.url);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  function setUpFacetFilter(input) {
    var section = input.closest(".facet");
    var box = input.closest(".facet-filter");
    var details = section.querySelector("details");
    var wasOpen = null;  // the folded part as the reader left it before typing
    // What the letters found, said beside the box and to screen readers: an empty list said nothing.
    var status = document.createElement("p");
    status.className = "hint facet-filter-status";
    status.setAttribute("role", "status");
    box.parentNode.insertBefore(status, box.nextSibling);
    box.hidden = false;
    input.addEventListener("input", function () {
      var wanted = fold(input.value.trim());
      var found = 0;
      section.querySelectorAll("li[data-label]").forEach(function (item) {
        item.hidden = wanted !== "" && fold(item.dataset.label).indexOf(wanted) === -1;
        found += item.hidden ? 0 : 1;
      });
      status.textContent = wanted === "" ? "" : found ? "Найдено: " + found : "Нет регионов с такими буквами";
      if (!details) { return; }
      if (wanted === "") {
        details.hidden = false;
        if (wasOpen !== null) { details.open = wasOpen; wasOpen = null; }
        return;
      }
      if (wasOpen === null) { wasOpen = details.open; }
      // the folded part shows its matches too; with none of them it is not left open and empty
      details.hidden = !details.querySelector("li[data-label]:not([hidden])");
      details.open = !details.hidden;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[role=search] input[name=q]").forEach(setUpCompletions);
    document.querySelectorAll("input[data-facet-filter]").forEach(setUpFacetFilter);
  });
})();
