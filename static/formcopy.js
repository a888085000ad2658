// A copy of a long form's text on this device (localStorage), so that an hour of typing survives a failed save: the
// session ended meanwhile (a CSRF refusal), the database restarted (503), the tab was closed. The form says whose
// and which it is: <form data-keep="<user id>:<practice id or new>">, only for a signed-in user. Text fields only:
// never a password, the CSRF token or another hidden field. The copy is dropped once a save succeeds (the next page
// is not the form and says «…сохранен…» as a success message), when the user signs out here, and after 30 days.
// Each tab's new practice has its own copy; a new practice's form offers the copies of the others left unsaved.
(function () {
  "use strict";

  var PREFIX = "kb-form:";
  var SENT = "kb-form-sent";  // sessionStorage: the form just sent, to drop its copy if the save succeeds
  var SIGNED_OUT = "kb-form-signed-out";  // localStorage: when «Выйти» was last pressed in this browser
  var NEW_TAB = "kb-form-tab:";  // sessionStorage: this tab's part of the key of a new practice's copy
  var OPEN = "kb-form-open:";  // localStorage: a new practice's form still open in a tab (time, renewed every 5 s)
  var MAX_AGE = 30 * 24 * 3600 * 1000;
  var DELAY = 500;  // ms of quiet typing before the copy is written

  function storage(kind) {
    try { return window[kind]; } catch (error) { return null; }  // disabled by the browser's settings
  }
  var local = storage("localStorage");
  var session = storage("sessionStorage");
  if (!local || !session) { return; }

  function read(key) {
    try { return JSON.parse(local.getItem(key) || "null"); } catch (error) { return null; }
  }

  function write(key, value) {
    try { local.setItem(key, JSON.stringify(value)); } catch (error) { /* full: the form works without it */ }
  }

  function textFields(form) {
    return Array.prototype.filter.call(form.elements, function (element) {
      var type = (element.type || "").toLowerCase();
      return element.name && element.name !== "csrf_token" &&
        (element.tagName === "TEXTAREA" || (element.tagName === "INPUT" &&
          ["text", "search", "url", "email", "number", "tel"].indexOf(type) >= 0));
    });
  }

  function valuesOf(form) {
    var values = {};
    textFields(form).forEach(function (element) { values[element.name] = element.value; });
    return values;
  }

  function differs(stored, current) {
    return Object.keys(stored).some(function (name) {
      return name in current && stored[name] !== current[name];
    });
  }

  function dropOld() {
    for (var i = local.length - 1; i >= 0; i -= 1) {
      var key = local.key(i);
      var copy = key && key.indexOf(PREFIX) === 0 ? read(key) : null;
      if (key && key.indexOf(PREFIX) === 0 && (!copy || !(Date.now() - copy.time < MAX_AGE))) {
        local.removeItem(key);
      }
      if (key && key.indexOf(OPEN) === 0 && !(Date.now() - Number(local.getItem(key)) < 60000)) {
        local.removeItem(key);  // its tab crashed
      }
    }
  }

  function when(time) {
    return new Date(time).toLocaleString("ru-RU", { day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" });
  }

  function button(parent, text, className, action) {
    var element = parent.appendChild(document.createElement("button"));
    element.type = "button";
    element.className = className;
    element.textContent = text;
    element.addEventListener("click", action);
    return element;
  }

  // One notice over the form for the copies it may take: [{key, copy}], the newest first. «Восстановить» puts a
  // copy's text into the form (which keeps it under its own key from then on), «Отбросить» deletes it. The focus
  // then goes to the form's first text field (the button is gone with the notice) and a status line, which stays,
  // says what was done.
  function offer(form, copies, take, done) {
    var status = document.createElement("p");
    status.className = "visually-hidden form-copy-status";
    status.setAttribute("role", "status");
    form.parentNode.insertBefore(status, form);
    var notice = document.createElement("div");
    notice.className = "flash flash--warning form-copy";
    var list = null;
    if (copies.length === 1) {
      notice.appendChild(document.createElement("p")).textContent =
        "На этом устройстве сохранился несохранённый текст от " + when(copies[0].copy.time) + ".";
    } else {
      notice.appendChild(document.createElement("p")).textContent =
        "На этом устройстве сохранились несохранённые тексты новых практик (сначала последний):";
      list = notice.appendChild(document.createElement("ul"));
    }
    function finish(message, values) {  // to the first field the copy had text for
      notice.remove();
      status.textContent = message;
      var fields = textFields(form);
      var first = fields.filter(function (element) { return (values[element.name] || "").trim(); })[0] || fields[0];
      if (first) { first.focus(); }
      done();
    }
    copies.forEach(function (each) {
      var place = notice;
      if (list) {
        place = list.appendChild(document.createElement("li"));
        place.appendChild(document.createElement("span")).textContent =
          "«" + ((each.copy.values.title || "").trim() || "без названия") + "», " + when(each.copy.time) + " ";
      }
      button(place, "Восстановить", "button", function () {
        textFields(form).forEach(function (element) {
          if (element.name in each.copy.values) { element.value = each.copy.values[element.name]; }
        });
        take(each);
        finish("Текст восстановлен.", each.copy.values);
      });
      button(place, "Отбросить", "button button--secondary", function () {
        local.removeItem(each.key);
        if (place === notice || list.children.length === 1) {
          finish("Сохранённый текст отброшен.", each.copy.values);
          return;
        }
        var next = place.nextElementSibling || place.previousElementSibling;
        place.remove();
        status.textContent = "Сохранённый текст отброшен.";
        next.querySelector("button").focus();
      });
    });
    form.parentNode.insertBefore(notice, form);
  }

  var forgotten = false;  // signed out here: a save still pending must not write the copy back
  var opened = Date.now();  // a copy begun before «Выйти» in any tab of this browser is not written any more

  function signedOut() {
    if (!forgotten && Number(local.getItem(SIGNED_OUT) || 0) >= opened) { forgotten = true; }
    return forgotten;
  }

  function forgetAll() {
    forgotten = true;
    try { local.setItem(SIGNED_OUT, String(Date.now())); } catch (error) { /* full: this tab forgets all the same */ }
    for (var i = local.length - 1; i >= 0; i -= 1) {
      var key = local.key(i);
      if (key && (key.indexOf(PREFIX) === 0 || key.indexOf(OPEN) === 0)) { local.removeItem(key); }
    }
  }

  // A new practice's form is «<user>:new» on the server; here each tab's one is «<user>:new-<random>» (the random
  // part kept in this tab's sessionStorage, so a reload finds its own copy): two new practices typed in two tabs
  // keep two copies, and saving one drops only its own.
  function keepOf(form) {
    var keep = form.getAttribute("data-keep");
    if (!/:new$/.test(keep)) { return keep; }
    var name = NEW_TAB + keep;
    var tab = session.getItem(name);
    if (!tab) {
      tab = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
      session.setItem(name, tab);
    }
    keep = keep + "-" + tab;
    form.setAttribute("data-keep", keep);
    return keep;
  }

  function otherNewCopies(keep) {  // «<user>:new-…» of closed tabs (not open in another), and «<user>:new» of before
    var user = keep.slice(0, keep.lastIndexOf(":new-") + 1);
    var found = [];
    for (var i = 0; i < local.length; i += 1) {
      var key = local.key(i);
      if (key && key !== PREFIX + keep && (key === PREFIX + user + "new" || key.indexOf(PREFIX + user + "new-") === 0)) {
        var copy = read(key);
        var open = Number(local.getItem(OPEN + key.slice(PREFIX.length)) || 0);
        if (copy && copy.values && !(Date.now() - open < 12000)) { found.push({ key: key, copy: copy }); }
      }
    }
    return found;
  }

  document.addEventListener("DOMContentLoaded", function () {
    dropOld();
    // «Выйти» is how one leaves a shared computer (a staff room's): the copies on it go too, and the forms open in
    // other tabs of this browser write none any more (SIGNED_OUT). They keep their text: the server gives it back
    // when their save is refused for the ended session.
    document.querySelectorAll("form[data-forget-copies]").forEach(function (form) {
      form.addEventListener("submit", forgetAll);
    });
    var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-keep]"));
    var keeps = forms.map(keepOf);
    var sent = session.getItem(SENT);
    session.removeItem(SENT);
    if (sent && keeps.indexOf(sent) < 0 && document.querySelector(".flashes .flash--success")) {
      local.removeItem(PREFIX + sent);  // saved: the page after the form says so
      var tab = sent.match(/^(.*:new)-/);
      if (tab) { session.removeItem(NEW_TAB + tab[1]); }  // the next new practice in this tab starts its own copy
    }

    forms.forEach(function (form, index) {
      var keep = keeps[index];
      var key = PREFIX + keep;
      var copy = read(key);
      var deciding = false;  // while the notice waits for an answer, the copy of this form it offers is not written over
      var timer = null;

      function save() {
        clearTimeout(timer);
        timer = null;
        if (!deciding && !signedOut()) { write(key, { time: Date.now(), values: valuesOf(form) }); }
      }

      var current = valuesOf(form);
      var offered = [];
      if (copy && copy.values && differs(copy.values, current)) {
        offered.push({ key: key, copy: copy });
      } else if (copy && sent !== keep) {
        local.removeItem(key);  // the page holds the same text (and is not the form back from a failed save)
      }
      if (/:new-/.test(keep) && sent !== keep) {
        offered = offered.concat(otherNewCopies(keep).filter(function (each) {
          return differs(each.copy.values, current);
        }));
      }
      offered.sort(function (a, b) { return b.copy.time - a.copy.time; });
      if (offered.length) {
        deciding = offered.some(function (each) { return each.key === key; });
        offer(form, offered, function (taken) {
          if (taken.key !== key) {  // another tab's copy: this form keeps it from now on
            write(key, { time: Date.now(), values: taken.copy.values });
            local.removeItem(taken.key);
          }
        }, function () { deciding = false; });
      }
      form.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(save, DELAY);
      });
      form.addEventListener("submit", function () {
        save();
        session.setItem(SENT, keep);
      });
      window.addEventListener("pagehide", function () {
        if (timer) { save(); }
        local.removeItem(OPEN + keep);
      });
      if (/:new-/.test(keep)) {  // the other tabs do not offer this one's copy while it is open
        var beat = function () { try { local.setItem(OPEN + keep, String(Date.now())); } catch (error) { /* full */ } };
        beat();
        setInterval(beat, 5000);
        window.addEventListener("pageshow", beat);
      }
    });
  });
})();
