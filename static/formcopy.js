// A copy of a long form's text on this device (localStorage), so that an hour of typing survives a failed save: the
// session ended meanwhile (a CSRF refusal), the database restarted (503), the tab was closed. The form says whose
// and which it is: <form data-keep="<user id>:<practice id or new>">, only for a signed-in user. Text fields only:
// never a password, the CSRF token or another hidden field. The copy is dropped once a save succeeds (the next page
// is not the form and says «…сохранен…» as a success message), when the user signs out here, and after 30 days.
(function () {
  "use strict";

  var PREFIX = "kb-form:";
  var SENT = "kb-form-sent";  // sessionStorage: the form just sent, to drop its copy if the save succeeds
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
    }
  }

  function offer(form, key, copy, done) {
    var notice = document.createElement("div");
    var when = new Date(copy.time).toLocaleString("ru-RU", {
      day: "numeric", month: "long", hour: "2-digit", minute: "2-digit"
    });
    notice.className = "flash flash--warning form-copy";
    notice.setAttribute("role", "status");
    notice.appendChild(document.createElement("p")).textContent =
      "На этом устройстве сохранился несохранённый текст от " + when + ".";
    [["Восстановить", "button"], ["Отбросить", "button button--secondary"]].forEach(function (each) {
      var button = notice.appendChild(document.createElement("button"));
      button.type = "button";
      button.className = each[1];
      button.textContent = each[0];
      button.addEventListener("click", function () {
        if (each[0] === "Восстановить") {
          textFields(form).forEach(function (element) {
            if (element.name in copy.values) { element.value = copy.values[element.name]; }
          });
        } else {
          local.removeItem(key);
        }
        notice.remove();
        done();
      });
    });
    form.parentNode.insertBefore(notice, form);
  }

  var forgotten = false;  // signed out here: a save still pending must not write the copy back

  function forgetAll() {
    forgotten = true;
    for (var i = local.length - 1; i >= 0; i -= 1) {
      var key = local.key(i);
      if (key && key.indexOf(PREFIX) === 0) { local.removeItem(key); }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    dropOld();
    // «Выйти» is how one leaves a shared computer (a staff room's): the copies on it go too. A form open in another
    // tab keeps its text: the server gives it back when its save is refused for the ended session.
    document.querySelectorAll("form[data-forget-copies]").forEach(function (form) {
      form.addEventListener("submit", forgetAll);
    });
    var sent = session.getItem(SENT);
    session.removeItem(SENT);
    if (sent && !document.querySelector('form[data-keep="' + sent + '"]') &&
        document.querySelector(".flashes .flash--success")) {
      local.removeItem(PREFIX + sent);  // saved: the page after the form says so
    }

    document.querySelectorAll("form[data-keep]").forEach(function (form) {
      var key = PREFIX + form.getAttribute("data-keep");
      var copy = read(key);
      var deciding = false;  // while the notice waits for an answer, the copy it offers is not written over
      var timer = null;

      function save() {
        clearTimeout(timer);
        timer = null;
        if (!deciding && !forgotten) { write(key, { time: Date.now(), values: valuesOf(form) }); }
      }

      if (copy && copy.values && differs(copy.values, valuesOf(form))) {
        deciding = true;
        offer(form, key, copy, function () { deciding = false; });
      } else if (copy && sent !== form.getAttribute("data-keep")) {
        local.removeItem(key);  // the page holds the same text (and is not the form back from a failed save)
      }
      form.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(save, DELAY);
      });
      form.addEventListener("submit", function () {
        save();
        session.setItem(SENT, form.getAttribute("data-keep"));
      });
      window.addEventListener("pagehide", function () { if (timer) { save(); } });
    });
  });
})();
