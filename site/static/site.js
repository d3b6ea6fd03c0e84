/* Sorting, filtering and paging of the comparison table across every model (reads api/index.json).
   It only enhances: without it the server-rendered pages work as they are. Data is inserted as text only. */
(function () {
  "use strict";

  var table = document.getElementById("models");
  var configNode = document.getElementById("site-config");
  if (!table || !configNode || !window.fetch) { return; }
  var config = JSON.parse(configNode.textContent);
  var form = document.getElementById("filters");
  var count = document.getElementById("count");
  var pager = document.getElementById("pager");
  var tbody = table.tBodies[0];

  var CLASS_RANK = { "open-source": 4, "open-weights": 3, "restricted": 2, "closed": 1, "unknown": 0 };
  var STATUS_RANK = { "pass": 3, "partial": 2, "unknown": 1, "fail": 0 };
  var STATUSES = ["pass", "partial", "fail", "unknown"];
  var FIELDS = ["q", "classification", "family", "criterion", "status"];

  var rows = [];
  var state = { q: "", classification: "", family: "", criterion: "", status: "", sort: "id", dir: 1, page: config.page || 1 };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function statusOf(value) { return STATUSES.indexOf(value) >= 0 ? value : "unknown"; }
  function classOf(value) { return Object.prototype.hasOwnProperty.call(CLASS_RANK, value) ? value : "unknown"; }

  function chip(kind, key, mark, word) {
    var span = el("span", kind + " " + kind + "-" + key);
    var icon = el("span", "mark", mark);
    icon.setAttribute("aria-hidden", "true");
    span.appendChild(icon);
    span.appendChild(document.createTextNode(" " + word));
    return span;
  }

  function statusChip(value) {
    var s = statusOf(value);
    return chip("st", s, config.marks[s], s);
  }

  function classChip(value) {
    var c = classOf(value);
    return chip("cls", c, config.classes[c].mark, config.classes[c].label);
  }

  function humanCount(n) {
    if (typeof n !== "number" || !isFinite(n) || n < 0) { return "\u2014"; }
    var units = [["T", 1e12], ["B", 1e9], ["M", 1e6], ["K", 1e3]];
    for (var i = 0; i < units.length; i++) {
      if (n >= units[i][1]) {
        var scaled = n / units[i][1];
        return (scaled < 100 ? scaled.toFixed(1) : scaled.toFixed(0)) + " " + units[i][0];
      }
    }
    return String(n);
  }

  function gatedWord(value) {
    if (value === false || value === null || value === undefined || value === "" || value === "false") { return "no"; }
    if (value === true) { return "yes"; }
    return String(value);
  }

  function text(value) { return value === null || value === undefined ? "" : String(value); }
  function declared(row) { return text(row.license_declared) || "none"; }

  function modelHref(id) {
    return config.root + "models/" + String(id).split("/").map(encodeURIComponent).join("/") + ".html";
  }

  function renderRow(row) {
    var tr = el("tr");
    var head = el("th", "col-model");
    head.setAttribute("scope", "row");
    var link = el("a", null, row.id);
    link.setAttribute("href", modelHref(row.id));
    head.appendChild(link);
    tr.appendChild(head);
    var cls = el("td");
    cls.appendChild(classChip(row.classification));
    tr.appendChild(cls);
    var names = config.licenseNames || {};
    var identified = text(row.license_identified);
    var name = names[identified] || declared(row);
    var lic = el("td", "lic", name);
    var shownId = identified || declared(row);
    if (shownId && shownId !== name) {
      lic.appendChild(document.createTextNode(" "));
      lic.appendChild(el("span", "sub", shownId));
    }
    var effective = text(row.license_effective);
    var effectiveName = effective.split(/( AND | OR | WITH )/).map(function (part) { return names[part] || part; }).join("");
    if (effective && effectiveName !== name) {
      var eff = el("span", "eff");
      var arrow = el("span", "arrow", "\u2192");
      arrow.setAttribute("aria-hidden", "true");
      eff.appendChild(arrow);
      eff.appendChild(el("span", "visually-hidden", "effective:"));
      eff.appendChild(document.createTextNode(" " + effectiveName));
      lic.appendChild(document.createTextNode(" "));
      lic.appendChild(eff);
    }
    tr.appendChild(lic);
    var statuses = row.criteria || {};
    config.criteria.forEach(function (c) {
      var td = el("td", "icon-cell");
      var s = statusOf(statuses[c.id]);
      var span = el("span", "st st-" + s + " st-icon");
      span.setAttribute("title", s);
      var icon = el("span", "mark", config.marks[s]);
      icon.setAttribute("aria-hidden", "true");
      span.appendChild(icon);
      span.appendChild(el("span", "visually-hidden", s));
      td.appendChild(span);
      tr.appendChild(td);
    });
    var data = el("td");
    data.appendChild(statusChip(row.data_transparency));
    tr.appendChild(data);
    tr.appendChild(el("td", "num", typeof row.lineage_findings === "number" ? row.lineage_findings : 0));
    tr.appendChild(el("td", "num", humanCount(row.parameters)));
    tr.appendChild(el("td", null, gatedWord(row.gated)));
    tr.appendChild(el("td", "date", text(row.audited_at).slice(0, 10)));
    return tr;
  }

  function sortValue(row, key) {
    if (key === "id") { return text(row.id).toLowerCase(); }
    if (key === "classification") { return CLASS_RANK[classOf(row.classification)]; }
    if (key === "license") { return (declared(row) + " " + text(row.license_effective)).toLowerCase(); }
    if (key === "data") { return STATUS_RANK[statusOf(row.data_transparency)]; }
    if (key === "findings") { return typeof row.lineage_findings === "number" ? row.lineage_findings : 0; }
    if (key === "parameters") { return typeof row.parameters === "number" ? row.parameters : null; }
    if (key === "gated") { return gatedWord(row.gated); }
    if (key === "date") { return text(row.audited_at); }
    if (key.indexOf("c:") === 0) { return STATUS_RANK[statusOf((row.criteria || {})[key.slice(2)])]; }
    return "";
  }

  function compare(a, b) {
    var x = sortValue(a, state.sort);
    var y = sortValue(b, state.sort);
    if (x === null && y !== null) { return 1; }   // unknown values last, whichever the direction
    if (y === null && x !== null) { return -1; }
    if (x < y) { return -state.dir; }
    if (x > y) { return state.dir; }
    var p = text(a.id).toLowerCase();
    var q = text(b.id).toLowerCase();
    return p < q ? -1 : p > q ? 1 : 0;
  }

  function matches(row) {
    if (state.classification && classOf(row.classification) !== state.classification) { return false; }
    if (state.family && row.license_family !== state.family) { return false; }
    var statuses = row.criteria || {};
    if (state.status) {
      if (state.criterion) {
        if (statusOf(statuses[state.criterion]) !== state.status) { return false; }
      } else {
        var any = false;
        for (var id in statuses) {
          if (Object.prototype.hasOwnProperty.call(statuses, id) && statusOf(statuses[id]) === state.status) { any = true; break; }
        }
        if (!any) { return false; }
      }
    }
    if (state.q) {
      var names = config.licenseNames || {};
      var hay = [row.id, row.license_declared, row.license_effective, row.license_identified, row.license_family,
                 names[text(row.license_identified)]]
        .map(text).join(" ").toLowerCase();
      var words = state.q.toLowerCase().split(/\s+/);
      for (var i = 0; i < words.length; i++) {
        if (words[i] && hay.indexOf(words[i]) < 0) { return false; }
      }
    }
    return true;
  }

  function fmt(n) { return Number(n).toLocaleString("en-US"); }

  function button(label, page, disabled) {
    var b = el("button", null, label);
    b.type = "button";
    b.disabled = disabled;
    b.addEventListener("click", function () { state.page = page; render(); table.scrollIntoView({ block: "start" }); });
    return b;
  }

  function sortLabel() {
    var th = table.querySelector('th[data-key="' + state.sort + '"]');
    var name = th ? th.getAttribute("data-label") : "name";
    return "sorted by " + name + (state.dir > 0 ? "" : ", descending");
  }

  function render() {
    var shown = rows.filter(matches).sort(compare);
    var pages = Math.max(1, Math.ceil(shown.length / config.pageSize));
    state.page = Math.min(Math.max(1, state.page), pages);
    var start = (state.page - 1) * config.pageSize;
    var slice = shown.slice(start, start + config.pageSize);
    var fragment = document.createDocumentFragment();
    slice.forEach(function (row) { fragment.appendChild(renderRow(row)); });
    while (tbody.firstChild) { tbody.removeChild(tbody.firstChild); }
    tbody.appendChild(fragment);
    var filtered = shown.length !== rows.length;
    if (!shown.length) {
      count.textContent = "No model matches these filters (of " + fmt(rows.length) + ").";
    } else {
      count.textContent = "Models " + fmt(start + 1) + "\u2013" + fmt(start + slice.length) + " of " + fmt(shown.length) +
        (filtered ? " matching (" + fmt(rows.length) + " in all)" : "") + ", " + sortLabel() +
        " (page " + state.page + " of " + pages + ").";
    }
    while (pager.firstChild) { pager.removeChild(pager.firstChild); }
    if (pages > 1) {
      var list = el("ul");
      [button("\u00ab First", 1, state.page === 1), button("\u2190 Previous", state.page - 1, state.page === 1),
       el("span", "page-status", "Page " + state.page + " of " + pages),
       button("Next \u2192", state.page + 1, state.page === pages), button("Last \u00bb", pages, state.page === pages)]
        .forEach(function (node) { var li = el("li"); li.appendChild(node); list.appendChild(li); });
      pager.appendChild(list);
    }
    table.querySelectorAll("th[data-key]").forEach(function (th) {
      var key = th.getAttribute("data-key");
      var dir = th.querySelector(".dir");
      if (key === state.sort) {
        th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
        if (dir) { dir.textContent = state.dir > 0 ? "\u25b2" : "\u25bc"; }
      } else {
        th.removeAttribute("aria-sort");
        if (dir) { dir.textContent = "\u2195"; }
      }
    });
    saveState();
  }

  function saveState() {
    var params = new URLSearchParams();
    FIELDS.forEach(function (name) { if (state[name]) { params.set(name, state[name]); } });
    if (state.sort !== "id" || state.dir !== 1) { params.set("sort", state.sort); params.set("dir", state.dir > 0 ? "asc" : "desc"); }
    if (state.page !== 1) { params.set("page", String(state.page)); }
    var query = params.toString();
    try { history.replaceState(null, "", location.pathname + (query ? "?" + query : "")); } catch (e) { /* file: URLs */ }
  }

  function loadState() {
    var params = new URLSearchParams(location.search);
    FIELDS.forEach(function (name) {
      var value = params.get(name);
      if (value !== null) { state[name] = value; var input = form.elements[name]; if (input) { input.value = value; } }
    });
    var key = params.get("sort");
    if (key && table.querySelector('th[data-key="' + key.replace(/["\\]/g, "") + '"]')) { state.sort = key; }
    if (params.get("dir") === "desc") { state.dir = -1; }
    var page = parseInt(params.get("page") || "", 10);
    if (page > 0) { state.page = page; }
  }

  function makeSortable() {
    table.querySelectorAll("th[data-key]").forEach(function (th) {
      var label = th.firstChild ? th.firstChild.textContent.trim() : th.textContent.trim();
      th.setAttribute("data-label", label);
      var b = el("button", "sort");
      b.type = "button";
      while (th.firstChild) { b.appendChild(th.firstChild); }
      var dir = el("span", "dir", "\u2195");
      dir.setAttribute("aria-hidden", "true");
      b.appendChild(dir);
      b.setAttribute("aria-label", "Sort by " + label);
      th.appendChild(b);
      b.addEventListener("click", function () {
        var key = th.getAttribute("data-key");
        if (state.sort === key) { state.dir = -state.dir; } else { state.sort = key; state.dir = key === "id" || key === "license" || key === "gated" ? 1 : -1; }
        state.page = 1;
        render();
      });
    });
  }

  function onFilter() {
    var changed = false;
    FIELDS.forEach(function (name) {
      var input = form.elements[name];
      var value = input ? input.value.trim() : "";
      if (state[name] !== value) { state[name] = value; changed = true; }
    });
    // A "change" event also fires when the search box loses focus, e.g. on the mousedown of a click on a
    // model link: re-rendering then would replace the link under the pointer and swallow the click.
    if (!changed) { return; }
    state.page = 1;
    render();
  }

  function start(data) {
    rows = Array.isArray(data && data.models) ? data.models.filter(function (r) { return r && typeof r.id === "string"; }) : [];
    form.hidden = false;
    makeSortable();
    loadState();
    form.addEventListener("submit", function (event) { event.preventDefault(); onFilter(); });
    form.addEventListener("input", onFilter);
    form.addEventListener("change", onFilter);
    form.addEventListener("reset", function () { window.setTimeout(onFilter, 0); });
    render();
    table.setAttribute("data-enhanced", "true");
  }

  fetch(config.index, { credentials: "same-origin" })
    .then(function (response) { if (!response.ok) { throw new Error("HTTP " + response.status); } return response.json(); })
    .then(start)
    .catch(function () {
      count.textContent += " Sorting and filtering across all models need the site to be served over http(s).";
    });
}());
