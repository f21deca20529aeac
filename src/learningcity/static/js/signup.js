// Sign-up: find the commune as the user types (diacritics optional), then offer its hamlets.
// Without JavaScript the "Find" button does the same through the server.
(function () {
  "use strict";

  var form = document.getElementById("signup-form");
  if (!form) return;
  var query = form.querySelector('input[name="commune_query"]');
  var results = document.getElementById("commune-results");
  var hamlet = form.querySelector('select[name="hamlet"]');
  var noMatch = document.getElementById("no-match");
  var url = form.dataset.searchUrl;
  var hamlets = {}; // commune id -> [{id, name}]
  var timer = null;
  var pending = null;

  function chosen() {
    var checked = results.querySelector('input[name="commune"]:checked');
    return checked ? checked.value : "";
  }

  function fillHamlets() {
    var list = hamlets[chosen()];
    if (!list) return; // not from a search on this page: keep what the server rendered
    var keep = hamlet.value;
    while (hamlet.options.length > 1) hamlet.remove(1);
    list.forEach(function (item) {
      var option = new Option(item.name, String(item.id));
      option.selected = String(item.id) === keep;
      hamlet.add(option);
    });
  }

  function render(items) {
    var current = chosen();
    var currentLabel = null;
    if (current) {
      var input = results.querySelector('input[name="commune"]:checked');
      currentLabel = input ? input.parentNode.textContent.trim() : null;
    }
    results.textContent = "";
    var ids = items.map(function (item) {
      return String(item.id);
    });
    if (current && ids.indexOf(current) === -1 && currentLabel) {
      items = [{ id: current, label: currentLabel, hamlets: hamlets[current] }].concat(items);
    }
    if (!items.length) {
      var p = document.createElement("p");
      p.className = "muted";
      p.textContent = noMatch ? noMatch.textContent : "";
      results.appendChild(p);
      return;
    }
    items.forEach(function (item) {
      if (item.hamlets) hamlets[String(item.id)] = item.hamlets;
      var label = document.createElement("label");
      label.className = "choice";
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "commune";
      radio.value = String(item.id);
      radio.checked = String(item.id) === current;
      label.appendChild(radio);
      label.appendChild(document.createTextNode(" " + item.label));
      results.appendChild(label);
    });
  }

  function search() {
    var text = query.value.trim();
    if (text.length < 2) return;
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(url + "?q=" + encodeURIComponent(text), { credentials: "same-origin", signal: pending.signal })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        render(data.results);
      })
      .catch(function () {
        /* the Find button still works */
      });
  }

  query.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  query.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      search();
    }
  });
  results.addEventListener("change", fillHamlets);
})();
