// The assessment page (any subject: a citizen, a household, a clan, an organisation, a community): instant score
// and result as the user types, and nothing typed lost if the session expires.
//
// - Answers are number or text inputs, or a pair of radios (met / not met) for a yes/no criterion.
// - Every change is kept in localStorage under the assessment's key, with the server's "saved at" stamp.
// - On load, kept values are put back when they were typed after the last save the server knows of and differ
//   from what the server shows; once the server has a newer save, they are dropped.
// - The preview endpoint scores the form with the same engine as the server; 401/403 or a redirect to the login
//   page means the session is gone: say so, keep the values.
(function () {
  "use strict";

  var form = document.getElementById("assessment-form");
  if (!form) return;

  var key = form.dataset.storageKey;
  var savedAt = form.dataset.savedAt;
  var editable = form.dataset.editable === "true";
  var previewUrl = form.dataset.previewUrl;

  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null; // private mode or storage disabled: the page still works, without the safety net
    }
  }

  function show(id, visible) {
    var el = document.getElementById(id);
    if (el) el.hidden = !visible;
  }

  // The fields the user types into: answers, notes, the group (not the CSRF token, not the buttons).
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "submit" && el.type !== "file" && !el.disabled;
    });
  }

  // A radio group is one value: the checked radio's, or "" while none is (not answered).
  function collect() {
    var values = {};
    fields().forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        if (!(el.name in values)) values[el.name] = "";
        if (el.checked) values[el.name] = el.value;
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function put(el, value) {
    if (el.type === "radio" || el.type === "checkbox") {
      el.checked = el.value === value;
    } else {
      el.value = value;
    }
  }

  function differs(a, b) {
    return Object.keys(a).some(function (name) {
      return name in b && a[name] !== b[name];
    });
  }

  function forget() {
    var store = storage();
    if (store) store.removeItem(key);
  }

  function keep() {
    var store = storage();
    if (!store) return;
    try {
      store.setItem(key, JSON.stringify({ savedAt: savedAt, values: collect() }));
    } catch (e) {
      /* storage full: nothing more we can do */
    }
  }

  function restore() {
    var store = storage();
    if (!store) return;
    var kept;
    try {
      kept = JSON.parse(store.getItem(key) || "null");
    } catch (e) {
      kept = null;
    }
    if (!kept || !kept.values) return;
    if (kept.savedAt !== savedAt) {
      forget(); // the server has a newer save (ours or someone else's): it wins
      return;
    }
    if (!differs(kept.values, collect())) return;
    fields().forEach(function (el) {
      if (el.name in kept.values) put(el, kept.values[el.name]);
    });
    show("restored", true);
  }

  // ---- instant feedback

  function setText(name, value) {
    form.querySelectorAll('[data-out="' + name + '"]').forEach(function (el) {
      el.textContent = value === null || value === undefined ? "" : String(value);
    });
  }

  function when(name, condition) {
    form.querySelectorAll('[data-when="' + name + '"]').forEach(function (el) {
      el.hidden = !condition;
    });
  }

  function render(result) {
    setText("score", result.score === null ? 0 : result.score);
    setText("max_score", result.max_score);
    setText("pass_mark", result.pass_mark);
    var reached = result.score !== null && result.pass_mark !== null && result.score >= result.pass_mark;
    when("reached", reached);
    when("not-reached", !reached);
    when("passes", result.passes);
    when("short", result.short.length > 0);
    form.querySelectorAll("[data-level]").forEach(function (el) {
      el.hidden = el.dataset.level !== result.level;
    });
    var errors = result.errors || {};
    document.querySelectorAll("[data-indicator]").forEach(function (block) {
      var code = block.dataset.indicator;
      block.classList.toggle("is-short", result.short.indexOf(code) !== -1);
      block.classList.toggle("has-error", code in errors);
      var message = block.querySelector('[data-error-for="' + code + '"]');
      if (message) {
        message.textContent = errors[code] || "";
        message.hidden = !(code in errors);
      }
    });
  }

  function csrfToken() {
    var input = form.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  var pending = null;
  var timer = null;

  function preview() {
    if (pending) pending.abort();
    pending = new AbortController();
    var body = new FormData(form);
    fetch(previewUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      redirect: "follow",
      signal: pending.signal,
    })
      .then(function (response) {
        var toLogin = response.redirected && response.url.indexOf("/accounts/login") !== -1;
        if (response.status === 401 || response.status === 403 || toLogin) {
          show("session-expired", true);
          return null;
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        show("session-expired", false);
        show("offline", false);
        return response.json();
      })
      .then(function (result) {
        if (result) render(result);
      })
      .catch(function (error) {
        if (error.name !== "AbortError") show("offline", true);
      });
  }

  function changed() {
    keep();
    clearTimeout(timer);
    timer = setTimeout(preview, 250);
  }

  if (!editable) {
    forget(); // submitted: what was kept on this device is no longer needed
    return;
  }

  restore();
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", keep); // if the session expired, the values survive the trip to the login page

  var discard = document.getElementById("discard-restored");
  if (discard) {
    discard.addEventListener("click", function () {
      forget();
      window.location.reload();
    });
  }

  preview();
})();
