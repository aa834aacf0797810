// Finding filters (severity, rule, service, suppressed) and graph highlighting.
// State lives in the URL hash (#severity=error,warning&rule=shared-database&service=orders) so a
// filtered view can be linked to. No external code, no network.
(function () {
  "use strict";
  // Platform components (gateways, registries, telemetry) can be folded out of the graph.
  var platformToggle = document.getElementById("show-platform");
  var systemGraph = document.getElementById("system-graph");
  if (platformToggle && systemGraph) {
    platformToggle.addEventListener("change", function () {
      systemGraph.classList.toggle("hide-platform", !platformToggle.checked);
    });
  }
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
    document.querySelectorAll(".principle").forEach(function (group) {
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

  // Clicking a node highlights it and its neighbours; clicking it again clears.
  var svg = document.getElementById("system-graph");
  if (!svg) { return; }
  var focused = null;

  function focus(id) {
    focused = (id && id !== focused) ? id : null;
    var near = {};
    svg.querySelectorAll("path.edge").forEach(function (edge) {
      var touches = focused && (edge.getAttribute("data-source") === focused || edge.getAttribute("data-target") === focused);
      edge.classList.toggle("dim", Boolean(focused) && !touches);
      if (touches) { near[edge.getAttribute("data-source")] = true; near[edge.getAttribute("data-target")] = true; }
    });
    svg.querySelectorAll("g.node").forEach(function (g) {
      var gid = g.getAttribute("data-id");
      g.classList.toggle("dim", Boolean(focused) && !near[gid] && gid !== focused);
      g.classList.toggle("focus", Boolean(focused) && gid === focused);
    });
  }

  svg.addEventListener("click", function (event) {
    var node = event.target.closest ? event.target.closest("g.node") : null;
    focus(node ? node.getAttribute("data-id") : null);
  });
  // A finding's subject chip shows that node in the graph; the URL hash keeps the filter state.
  document.querySelectorAll("a.subject").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      document.getElementById("graph").scrollIntoView();
      focused = null;
      focus(link.getAttribute("data-node"));
    });
  });
}());
