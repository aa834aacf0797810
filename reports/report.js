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
  // One precomputed drawing per grouping and platform fold (laid out by the report generator);
  // switching shows one and hides the others, so no layout code runs here.
  var drawings = Array.prototype.slice.call(svg.querySelectorAll("g.view"));
  var active = drawings.filter(function (d) { return !d.hasAttribute("hidden"); })[0] || drawings[0];
  var full = { w: Number(active.getAttribute("data-width")), h: Number(active.getAttribute("data-height")) };
  var view = { x: 0, y: 0, w: full.w, h: full.h };
  var nodes = [], edges = [];
  var focused = null;
  function bind() {
    nodes = Array.prototype.slice.call(active.querySelectorAll("g.node"));
    edges = Array.prototype.slice.call(active.querySelectorAll("path.edge"));
  }
  bind();

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
    if (node && node.classList.contains("folded")) { setUnfolded(true); return; }
    focus(node ? node.getAttribute("data-id") : null);
  });
  Array.prototype.slice.call(svg.querySelectorAll("g.node")).forEach(function (g) {
    g.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        if (g.classList.contains("folded")) { setUnfolded(true); return; }
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

  // Group by bounded context, team or namespace (areas drawn behind each group's boxes) and
  // fold or unfold the platform components: both pick one of the precomputed drawings.
  var palette = ["#1d4ed8", "#047857", "#b45309", "#7e22ce", "#be123c", "#0e7490", "#4d7c0f", "#a21caf", "#9a3412", "#334155"];
  var groupSelect = document.getElementById("graph-group");
  var legend = document.getElementById("group-legend");
  var toggle = document.getElementById("platform-toggle");
  var state = { grouping: active.getAttribute("data-grouping"), unfolded: active.getAttribute("data-unfolded") === "1" };
  function show(grouping, unfolded) {
    var next = drawings.filter(function (d) {
      return d.getAttribute("data-grouping") === grouping && (d.getAttribute("data-unfolded") === "1") === unfolded;
    })[0];
    if (!next) { return; }
    state = { grouping: grouping, unfolded: unfolded };
    focus(null);
    drawings.forEach(function (d) { if (d === next) { d.removeAttribute("hidden"); } else { d.setAttribute("hidden", ""); } });
    active = next;
    bind();
    full = { w: Number(active.getAttribute("data-width")), h: Number(active.getAttribute("data-height")) };
    svg.setAttribute("data-width", String(full.w));
    svg.setAttribute("data-height", String(full.h));
    fit();
    if (search.value) { find(search.value); }
    legendFor(grouping);
    if (toggle) {
      toggle.setAttribute("aria-pressed", unfolded ? "true" : "false");
      toggle.textContent = (unfolded ? "Fold platform" : "Unfold platform") + toggle.textContent.replace(/^[^(]*/, " ");
    }
    document.body.setAttribute("data-view", (grouping || "none") + (unfolded ? "+platform" : ""));
  }
  function setUnfolded(unfolded) {
    show(state.grouping, unfolded);
    if (unfolded) {  // keyboard users land on the first platform component
      var first = active.querySelector("g.node.platform");
      if (first && document.activeElement && document.activeElement.closest && document.activeElement.closest("g.node")) { first.focus(); }
    }
  }
  function legendFor(key) {
    var values = [];
    nodes.forEach(function (g) {
      var v = key ? g.getAttribute("data-" + key) : null;
      if (v && values.indexOf(v) < 0) { values.push(v); }
    });
    values.sort();
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
    document.body.setAttribute("data-areas", String(active.querySelectorAll("g.area").length));
  }
  groupSelect.addEventListener("change", function () { show(groupSelect.value, state.unfolded); });
  if (toggle) { toggle.addEventListener("click", function () { setUnfolded(!state.unfolded); }); }

  // A finding's subject chip shows that node in the graph; the URL hash keeps the filter state.
  document.querySelectorAll("a.subject").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      document.getElementById("graph").scrollIntoView();
      var node = active.querySelector('g.node[data-id="' + link.getAttribute("data-node").replace(/"/g, '\\"') + '"]');
      focused = null;
      focus(link.getAttribute("data-node"));
      if (node) { centreOn(node); }
    });
  });
  fit();
  var initial = readHash();
  if (initial.find) { search.value = initial.find; find(initial.find); }
  if (initial.group !== undefined || initial.platform !== undefined) {
    if (initial.group !== undefined) { groupSelect.value = initial.group; }
    show(initial.group !== undefined ? initial.group : state.grouping,
      initial.platform !== undefined ? initial.platform === "open" : state.unfolded);
  } else {
    legendFor(state.grouping);
  }

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
    // Unfold the platform by keyboard on the folded box, fold it back with the button, then
    // switch the grouping through the select.
    var folded = active.querySelector("g.node.folded");
    if (folded) {
      folded.focus();
      folded.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
      var opened = state.unfolded && active.querySelectorAll("g.node.platform").length;
      toggle.click();
      document.body.setAttribute("data-test-platform", opened + "/" + String(!state.unfolded && Boolean(active.querySelector("g.node.folded"))));
    }
    var options = Array.prototype.slice.call(groupSelect.options).map(function (o) { return o.value; });
    var other = options.filter(function (v) { return v !== state.grouping; })[0];
    if (other !== undefined) {
      groupSelect.value = other;
      groupSelect.dispatchEvent(new Event("change", { bubbles: true }));
      document.body.setAttribute("data-test-grouping", (other || "none") + "/" + active.querySelectorAll("g.area").length);
    }
  }
}());
