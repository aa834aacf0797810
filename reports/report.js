// Finding filters (severity, rule, service, suppressed) and graph highlighting.
// State lives in the URL hash (#severity=error,warning&rule=shared-database&service=orders) so a
// filtered view can be linked to. No external code, no network.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) { return; }
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.finding"));

  function readHash() {
    var state = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var kv = part.split("=");
      if (kv.length === 2 && kv[0]) { state[decodeURIComponent(kv[0])] = decodeURIComponent(kv[1]); }
    });
    return state;
  }

  function current() {
    var severities = Array.prototype.slice.call(form.querySelectorAll("input[name=severity]:checked"))
      .map(function (el) { return el.value; });
    return {
      severity: severities,
      rule: form.elements.rule.value,
      service: form.elements.service.value,
      suppressed: form.elements.suppressed.checked
    };
  }

  function apply() {
    var f = current();
    var shown = 0;
    cards.forEach(function (card) {
      var services = (card.getAttribute("data-services") || "").split(" ");
      var visible = f.severity.indexOf(card.getAttribute("data-severity")) >= 0 &&
        (!f.rule || card.getAttribute("data-rule") === f.rule) &&
        (!f.service || services.indexOf(f.service) >= 0) &&
        (f.suppressed || card.getAttribute("data-suppressed") !== "1");
      card.hidden = !visible;
      if (visible) { shown += 1; }
    });
    document.querySelectorAll(".rule-group, .severity-group").forEach(function (group) {
      group.hidden = !group.querySelector("article.finding:not([hidden])");
    });
    var counter = document.getElementById("shown");
    if (counter) { counter.textContent = shown + " of " + cards.length + " shown"; }
    document.body.setAttribute("data-shown", String(shown));
  }

  function fromHash() {
    var state = readHash();
    if (state.severity !== undefined) {
      var wanted = state.severity.split(",");
      form.querySelectorAll("input[name=severity]").forEach(function (el) { el.checked = wanted.indexOf(el.value) >= 0; });
    }
    if (state.rule !== undefined) { form.elements.rule.value = state.rule; }
    if (state.service !== undefined) { form.elements.service.value = state.service; }
    if (state.suppressed !== undefined) { form.elements.suppressed.checked = state.suppressed === "1"; }
    apply();
  }

  form.addEventListener("change", function () {
    var f = current();
    var hash = "severity=" + f.severity.join(",") + "&rule=" + encodeURIComponent(f.rule) +
      "&service=" + encodeURIComponent(f.service) + "&suppressed=" + (f.suppressed ? "1" : "0");
    history.replaceState(null, "", "#" + hash);
    apply();
  });
  window.addEventListener("hashchange", fromHash);
  fromHash();

  // The system graph: highlight a node's neighbours (click, or Enter/Space on a focused box),
  // zoom and pan (wheel, drag, buttons, keys), search by name, colour by a grouping.
  var svg = document.getElementById("system-graph");
  if (!svg) { return; }
  var canvas = document.getElementById("graph-canvas");
  var full = { w: Number(svg.getAttribute("data-width")), h: Number(svg.getAttribute("data-height")) };
  var view = { x: 0, y: 0, w: full.w, h: full.h };
  var nodes = Array.prototype.slice.call(svg.querySelectorAll("g.node"));
  var edges = Array.prototype.slice.call(svg.querySelectorAll("path.edge"));
  var focused = null;

  function setView(v) {
    view = v;
    svg.setAttribute("viewBox", [v.x, v.y, v.w, v.h].map(function (n) { return Math.round(n); }).join(" "));
    document.body.setAttribute("data-zoom", (full.w / v.w).toFixed(2));
  }
  function zoom(factor, cx, cy) {
    var w = Math.min(full.w * 4, Math.max(120, view.w / factor));
    var h = w * view.h / view.w;
    cx = cx === undefined ? view.x + view.w / 2 : cx;
    cy = cy === undefined ? view.y + view.h / 2 : cy;
    setView({ x: cx - (cx - view.x) * w / view.w, y: cy - (cy - view.y) * h / view.h, w: w, h: h });
  }
  function fit() { setView({ x: 0, y: 0, w: full.w, h: full.h }); }
  function pan(dx, dy) { setView({ x: view.x + dx, y: view.y + dy, w: view.w, h: view.h }); }
  function toGraph(clientX, clientY) {
    var r = svg.getBoundingClientRect();
    var scale = Math.max(view.w / Math.max(r.width, 1), view.h / Math.max(r.height, 1));
    var ox = (r.width * scale - view.w) / 2, oy = (r.height * scale - view.h) / 2;
    return { x: view.x - ox + (clientX - r.left) * scale, y: view.y - oy + (clientY - r.top) * scale, scale: scale };
  }
  function centreOn(node) {
    var box = node.getBBox ? node.getBBox() : { x: 0, y: 0, width: 0, height: 0 };
    var m = /translate\(([-\d.]+),([-\d.]+)\)/.exec(node.getAttribute("transform") || "");
    var x = (m ? Number(m[1]) : 0) + box.width / 2, y = (m ? Number(m[2]) : 0) + box.height / 2;
    var w = Math.min(view.w, full.w / 1.5), h = w * view.h / view.w;
    setView({ x: x - w / 2, y: y - h / 2, w: w, h: h });
  }

  function focus(id) {
    focused = (id && id !== focused) ? id : null;
    var near = {};
    edges.forEach(function (edge) {
      var touches = focused && (edge.getAttribute("data-source") === focused || edge.getAttribute("data-target") === focused);
      edge.classList.toggle("dim", Boolean(focused) && !touches);
      edge.classList.toggle("hot", Boolean(touches));
      if (touches) { near[edge.getAttribute("data-source")] = true; near[edge.getAttribute("data-target")] = true; }
    });
    nodes.forEach(function (g) {
      var gid = g.getAttribute("data-id");
      g.classList.toggle("dim", Boolean(focused) && !near[gid] && gid !== focused);
      g.classList.toggle("focus", Boolean(focused) && gid === focused);
      g.setAttribute("aria-pressed", Boolean(focused) && gid === focused ? "true" : "false");
    });
    document.body.setAttribute("data-focused", focused || "");
  }

  svg.addEventListener("click", function (event) {
    if (dragged) { return; }
    var node = event.target.closest ? event.target.closest("g.node") : null;
    focus(node ? node.getAttribute("data-id") : null);
  });
  nodes.forEach(function (g) {
    g.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        focus(g.getAttribute("data-id"));
      }
    });
    g.addEventListener("focus", function () { g.classList.add("kbd"); });
    g.addEventListener("blur", function () { g.classList.remove("kbd"); });
  });
  svg.addEventListener("wheel", function (event) {
    event.preventDefault();
    var p = toGraph(event.clientX, event.clientY);
    zoom(event.deltaY < 0 ? 1.2 : 1 / 1.2, p.x, p.y);
  }, { passive: false });
  var drag = null, dragged = false;
  svg.addEventListener("pointerdown", function (event) {
    drag = { x: event.clientX, y: event.clientY, view: view, scale: toGraph(event.clientX, event.clientY).scale };
    dragged = false;
  });
  window.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    var dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) { dragged = true; }
    if (dragged) { setView({ x: drag.view.x - dx * drag.scale, y: drag.view.y - dy * drag.scale, w: drag.view.w, h: drag.view.h }); }
  });
  window.addEventListener("pointerup", function () { drag = null; setTimeout(function () { dragged = false; }, 0); });
  canvas.addEventListener("keydown", function (event) {
    var step = view.w / 10;
    var keys = {
      "+": function () { zoom(1.2); }, "=": function () { zoom(1.2); }, "-": function () { zoom(1 / 1.2); },
      "0": fit, ArrowLeft: function () { pan(-step, 0); }, ArrowRight: function () { pan(step, 0); },
      ArrowUp: function () { pan(0, -step); }, ArrowDown: function () { pan(0, step); }
    };
    if (keys[event.key] && !(event.target.closest && event.target.closest("g.node") && event.key.indexOf("Arrow") === 0)) {
      event.preventDefault();
      keys[event.key]();
    }
  });
  document.getElementById("zoom-in").addEventListener("click", function () { zoom(1.25); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoom(1 / 1.25); });
  document.getElementById("zoom-fit").addEventListener("click", fit);
  document.getElementById("zoom-reset").addEventListener("click", function () {
    var r = svg.getBoundingClientRect();
    setView({ x: view.x, y: view.y, w: Math.max(r.width, 200), h: Math.max(r.height, 200) });
  });

  var search = document.getElementById("graph-search");
  function find(text) {
    var needle = (text || "").trim().toLowerCase();
    var matches = [];
    nodes.forEach(function (g) {
      var hit = Boolean(needle) && (g.getAttribute("data-name") || "").toLowerCase().indexOf(needle) >= 0;
      g.classList.toggle("match", hit);
      g.classList.toggle("miss", Boolean(needle) && !hit);
      if (hit) { matches.push(g); }
    });
    var label = document.getElementById("graph-matches");
    label.textContent = needle ? matches.length + " match" + (matches.length === 1 ? "" : "es") : "";
    document.body.setAttribute("data-matches", String(matches.length));
    return matches;
  }
  search.addEventListener("input", function () { find(search.value); });
  search.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    event.preventDefault();
    var matches = find(search.value);
    if (matches.length) { centreOn(matches[0]); focused = null; focus(matches[0].getAttribute("data-id")); matches[0].focus(); }
  });

  // Colour boxes by bounded context, team or namespace; a legend entry highlights its group.
  var palette = ["#1d4ed8", "#047857", "#b45309", "#7e22ce", "#be123c", "#0e7490", "#4d7c0f", "#a21caf", "#9a3412", "#334155"];
  var groupSelect = document.getElementById("graph-group");
  var legend = document.getElementById("group-legend");
  function groupBy(key) {
    var values = [];
    nodes.forEach(function (g) {
      var v = key ? g.getAttribute("data-" + key) : null;
      if (v && values.indexOf(v) < 0) { values.push(v); }
    });
    values.sort();
    nodes.forEach(function (g) {
      var v = key ? g.getAttribute("data-" + key) : null;
      var rect = g.querySelector("rect");
      rect.style.stroke = v ? palette[values.indexOf(v) % palette.length] : "";
      rect.style.strokeWidth = v ? "3" : "";
    });
    legend.innerHTML = "";
    values.forEach(function (v, i) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = v;
      button.style.borderColor = palette[i % palette.length];
      button.addEventListener("click", function () {
        nodes.forEach(function (g) { g.classList.toggle("miss", g.getAttribute("data-" + key) !== v); });
      });
      legend.appendChild(button);
    });
    legend.hidden = values.length === 0;
    document.body.setAttribute("data-groups", String(values.length));
  }
  groupSelect.addEventListener("change", function () { groupBy(groupSelect.value); });

  // A finding's subject chip shows that node in the graph; the URL hash keeps the filter state.
  document.querySelectorAll("a.subject").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      document.getElementById("graph").scrollIntoView();
      var node = svg.querySelector('g.node[data-id="' + link.getAttribute("data-node").replace(/"/g, '\\"') + '"]');
      focused = null;
      focus(link.getAttribute("data-node"));
      if (node) { centreOn(node); }
    });
  });
  fit();
  var initial = readHash();
  if (initial.find) { search.value = initial.find; find(initial.find); }
  if (initial.group) { groupSelect.value = initial.group; groupBy(initial.group); }

  // Self-check for the browser test (#selftest): drives the real handlers with synthetic events
  // and writes what happened into data-* attributes that a DOM dump shows.
  if (/selftest/.test(location.hash)) {
    var before = full.w / view.w;
    var r = svg.getBoundingClientRect();
    svg.dispatchEvent(new WheelEvent("wheel", { deltaY: -100, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true, cancelable: true }));
    canvas.dispatchEvent(new KeyboardEvent("keydown", { key: "+", bubbles: true, cancelable: true }));
    document.body.setAttribute("data-test-zoomed", String(full.w / view.w > before));
    search.value = (nodes[0] && nodes[0].getAttribute("data-name")) || "";
    search.dispatchEvent(new Event("input", { bubbles: true }));
    search.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
    document.body.setAttribute("data-test-search-focus", String(document.activeElement === nodes[0]));
    focus(null);
    var last = nodes[nodes.length - 1];
    if (last) {
      last.focus();
      last.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
      document.body.setAttribute("data-test-keyboard", String(document.activeElement === last && focused === last.getAttribute("data-id")));
    }
    var focusable = nodes.filter(function (g) { return g.tabIndex === 0; }).length;
    document.body.setAttribute("data-test-tabbable", focusable + "/" + nodes.length);
  }
}());
