/* The red/green parcel map (Leaflet, vendored). The map asks the map data endpoint for what is on
 * screen: its bounding box (padded by a quarter, so that a small pan needs no new request) and its
 * zoom. Zoomed in (zoom >= config.clusterBelowZoom) the answer is the parcels inside the box as GeoJSON,
 * polygons when a parcel has one, points otherwise; zoomed out it is clusters counted by the server
 * (closeout.parcel_map), each with its count per close-out state and per risk colour, drawn as a ring
 * of that mix with the number of parcels; a click on a cluster zooms to it. A cell holding one parcel
 * comes as the parcel itself.
 * The state (cases.parcel_states) is computed by the server: red, open hazards; amber, pending
 * (rectified, waiting for or under a cross-check; a thick outline once the cross-check is requested);
 * green, closed out; grey, never inspected. The legend's counts, the zones, the red and risk lists and
 * the parcels without coordinates are the user's whole scope and come with the first answer (later
 * requests say scope=0; a zone or a search brings its own lists). A tile layer
 * is added only when the server configures MAP_TILE_URL, so the map also works on an intranet without
 * internet: the parcels are then drawn on a plain background with zone outlines and labels.
 * A second layer (安全风险四色分布图) colours the same parcels by their risk level (``risk``, 1–4:
 * blue, yellow, orange, red), with its own legend, counts and filter; the switch keeps ?layer= in the
 * address so a link can open either. The zone and the search are asked of the server; the legend's
 * buttons hide and show what was received. */
(function () {
  "use strict";

  var RED = "#c62828", GREEN = "#2e7d32", AMBER = "#f59e0b", GREY = "#9aa5b1";
  var FILL = { red: RED, green: GREEN, amber: AMBER, grey: GREY };
  var EDGE = { red: "#8e1b1b", green: "#1b5e20", amber: "#b45309", grey: "#5f6b7a" };
  var STATE_FILL = { red: RED, pending: AMBER, green: GREEN, uninspected: GREY };
  var STATES = ["red", "pending", "green", "uninspected"];
  var RISK_FILL = { red: "#c62828", orange: "#ef6c00", yellow: "#f2c200", blue: "#1565c0" };
  var RISK_EDGE = { red: "#8e1b1b", orange: "#a84a00", yellow: "#8a6d00", blue: "#0d3b7a" };
  var RISKS = ["red", "orange", "yellow", "blue"];
  var RISK_COLOUR = { 4: "red", 3: "orange", 2: "yellow", 1: "blue" };
  var configEl = document.getElementById("map-config");
  var mapEl = document.getElementById("parcel-map");
  if (!configEl || !mapEl || typeof L === "undefined") return;
  var config = JSON.parse(configEl.textContent);
  var t = config.labels || {};
  var clusterBelow = config.clusterBelowZoom || 15;

  var map = L.map(mapEl, {
    zoomControl: true, attributionControl: !!config.tileUrl, preferCanvas: false, minZoom: 3, maxZoom: 19,
    zoomSnap: 0.25, zoomDelta: 0.5
  });
  var pointRadius = 7;
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: config.tileAttribution || "" }).addTo(map);
  }

  function boxBounds(box) {  // [west, south, east, north] → Leaflet bounds
    return L.latLngBounds([box[1], box[0]], [box[3], box[2]]);
  }

  function fitBox(box) {
    var b = boxBounds(box);
    map.fitBounds(b.pad(0.12), { maxZoom: 17, animate: false });
  }

  if (config.bounds) fitBox(config.bounds); else map.setView([28.9, 120.05], 12);

  var state = {
    zone: "", query: "", layer: config.layer === "risk" ? "risk" : "hazard",
    shown: { red: true, pending: true, green: true, uninspected: true },
    risks: { red: true, orange: true, yellow: true, blue: true }
  };
  var layers = [];    // {feature, layer}: the parcels received
  var clusters = [];  // {cluster, marker}
  var parcelLayer = L.layerGroup().addTo(map);
  var clusterLayer = L.layerGroup().addTo(map);
  var zoneLabels = L.layerGroup().addTo(map);
  var answered = null;  // what the last answer covers: {bounds, zoom, mode, zone, query}
  var lists = { red: { total: 0, items: [] }, risk: { total: 0, items: [] } };
  var focus = null;     // a parcel id whose popup opens once it is drawn
  var scopeLists = null;  // the whole scope's lists, from the first answer: later ones leave them out

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function riskOf(p) { return RISK_COLOUR[p.risk] || "blue"; }

  function style(p) {
    if (state.layer === "risk") {
      var colour = riskOf(p);
      // .parcel-risk-red, -orange, -yellow, -blue (the browser tests count them)
      return {
        className: "parcel parcel-risk-" + colour, color: RISK_EDGE[colour], weight: 1.5,
        fillColor: RISK_FILL[colour], fillOpacity: 0.6, opacity: 1
      };
    }
    return {
      // SVG paths with a class per state: .parcel-red, .parcel-pending, .parcel-green, .parcel-uninspected
      // (the browser tests count them)
      className: "parcel parcel-" + p.state,
      color: EDGE[p.colour] || EDGE.grey,
      weight: p.waiting ? 3 : 1.5,
      fillColor: FILL[p.colour] || GREY,
      fillOpacity: 0.55,
      opacity: 1
    };
  }

  var lookup = { zones: {}, grids: {}, states: {}, urls: {}, risks: {} };

  function urlFor(kind, id) {
    var template = lookup.urls[kind];
    return template ? template.split("{id}").join(encodeURIComponent(id)) : "";
  }

  function popup(feature) {
    var p = feature.properties;
    var zone = lookup.zones[p.zone_id] || {};
    var rows = [
      [t.grid, esc(zone.name) + " / " + esc(lookup.grids[p.grid_id])],
      [t.landlord, esc(p.landlord || "—")],
      [t.tenants, esc(p.tenants)],
      [t.openHazards, "<strong style='color:" + (p.open_hazards ? RED : GREEN) + "'>" + esc(p.open_hazards) + "</strong>" +
        (p.major_open ? " (" + esc(t.majorOpen) + " " + esc(p.major_open) + ")" : "")]
    ];
    var links = [], detail = urlFor("parcel", feature.id), tickets = urlFor("tickets", feature.id);
    if (detail) links.push("<a href='" + esc(detail) + "'>" + esc(t.details) + "</a>");
    if (tickets) links.push("<a href='" + esc(tickets) + "'>" + esc(t.tickets) + "</a>");
    return "<div class='map-popup'><h4>" + esc(p.code) + " " + esc(p.name) + "</h4>" +
      "<span class='badge status-" + esc(p.state) + "'>" + esc(lookup.states[p.state] || p.state) + "</span> " +
      "<span class='risk-badge risk-" + esc(riskOf(p)) + "' title='" + esc(t.riskLevel) + "'>" + esc(lookup.risks[riskOf(p)] || "") + "</span>" +
      (p.waiting ? " <span class='badge'>" + esc(t.waiting) + "</span>" : "") +
      "<dl>" + rows.map(function (r) { return "<dt>" + esc(r[0]) + "</dt><dd>" + r[1] + "</dd>"; }).join("") + "</dl>" +
      "<div class='popup-links'>" + links.join("") + "</div></div>";
  }

  // Each drawn path carries its parcel's code (data-parcel): the browser tests compare them with the register.
  function markPaths(layer, code) {
    (layer.getLayers ? layer.getLayers() : [layer]).forEach(function (l) {
      if (l._path) l._path.setAttribute("data-parcel", code);
    });
  }

  function makeLayer(feature) {
    var p = feature.properties;
    var layer;
    if (feature.geometry.type === "Point") {
      var c = feature.geometry.coordinates;
      layer = L.circleMarker([c[1], c[0]], L.extend({ radius: p.waiting ? pointRadius + 1 : pointRadius }, style(p), { fillOpacity: 0.85 }));
    } else {
      layer = L.geoJSON(feature, { style: function () { return style(p); } });
    }
    layer.on("add", function () { markPaths(layer, p.code); });
    layer.bindPopup(function () { return popup(feature); }, { maxWidth: 300 });
    layer.bindTooltip(esc(p.code) + " " + esc(p.name), { direction: "top", sticky: true });
    return layer;
  }

  function visible(p) {
    return state.layer === "risk" ? !!state.risks[riskOf(p)] : !!state.shown[p.state];
  }

  // --- clusters: a ring of the mix (states, or risk colours on the risk layer) around the count -----------

  function mix(c) {
    var keys = state.layer === "risk" ? RISKS : STATES;
    var counts = state.layer === "risk" ? c.risks : c.states;
    var on = state.layer === "risk" ? state.risks : state.shown;
    var fills = state.layer === "risk" ? RISK_FILL : STATE_FILL;
    return keys.filter(function (k) { return on[k] && counts[k]; }).map(function (k) {
      return { key: k, n: counts[k], fill: fills[k] };
    });
  }

  function clusterIcon(parts) {
    var n = parts.reduce(function (sum, part) { return sum + part.n; }, 0);
    var size = n < 10 ? 34 : n < 100 ? 40 : n < 1000 ? 48 : 56;
    var offset = 25, rings = "";
    parts.forEach(function (part) {
      var share = part.n / n * 100;
      rings += "<circle cx='18' cy='18' r='15.915' fill='none' stroke='" + part.fill + "' stroke-width='5' " +
        "stroke-dasharray='" + share.toFixed(3) + " " + (100 - share).toFixed(3) + "' stroke-dashoffset='" + offset.toFixed(3) + "'/>";
      offset -= share;
    });
    var word = state.layer === "risk" ? "risk" : "state";
    return L.divIcon({
      className: "map-cluster",
      iconSize: [size, size],
      html: "<svg viewBox='0 0 36 36' width='" + size + "' height='" + size + "' aria-hidden='true'>" +
        "<circle cx='18' cy='18' r='13' fill='#fff' fill-opacity='0.92'/>" + rings + "</svg>" +
        "<span class='map-cluster-count' data-count='" + n + "' data-" + word + "-mix='" +
        parts.map(function (part) { return part.key + ":" + part.n; }).join(" ") + "'>" + n + "</span>"
    });
  }

  function clusterTip(parts) {
    var names = state.layer === "risk" ? lookup.risks : lookup.states;
    return parts.map(function (part) { return esc(names[part.key] || part.key) + " " + part.n; }).join("<br>") +
      "<br><span class='muted small'>" + esc(t.clusterHelp) + "</span>";
  }

  function drawClusters() {
    clusterLayer.clearLayers();
    var parcels = 0;
    clusters.forEach(function (it) {
      var parts = mix(it.cluster);
      if (!parts.length) return;
      var marker = L.marker([it.cluster.lat, it.cluster.lng], { icon: clusterIcon(parts), keyboard: true, zIndexOffset: 1000 });
      marker.bindTooltip(clusterTip(parts), { direction: "top" });
      marker.on("click", function () {
        map.fitBounds(boxBounds(it.cluster.bounds), { maxZoom: Math.max(map.getZoom() + 2, clusterBelow) });
      });
      marker.addTo(clusterLayer);
      parcels += it.cluster.n;
    });
    return parcels;
  }

  // --- the lists beside the map: the scope's red parcels, or its parcels of major and higher risk ------

  var listEl = document.getElementById("map-list");
  var listCount = document.getElementById("map-list-count");

  function drawList() {
    var risk = state.layer === "risk";
    var list = risk ? lists.risk : lists.red;
    var items = list.items.filter(function (p) {
      return risk ? state.risks[riskOf(p)] : state.shown.red;
    });
    listEl.innerHTML = "";
    items.forEach(function (p) {
      var li = document.createElement("li");
      li.innerHTML = "<button type='button'><span><span class='code'>" + esc(p.code) + "</span>" + esc(p.name) + "</span>" +
        (risk ? "<span class='risk-badge risk-" + esc(riskOf(p)) + "'>" + esc(lookup.risks[riskOf(p)] || "") + "</span>" :
          "<span class='pill " + (p.n ? "pill-red" : "") + "' title='" + esc(t.openHazards) + "'>" + esc(p.n) + "</span>") +
        "</button>";
      li.querySelector("button").addEventListener("click", function () { show(p); });
      listEl.appendChild(li);
    });
    var complete = list.items.length >= list.total;
    listCount.textContent = "(" + (complete ? items.length : list.total) + ")";
    if (!complete) {
      var more = document.createElement("li");
      more.className = "muted small";
      more.textContent = t.listMore;
      listEl.appendChild(more);
    }
  }

  // A parcel of a list: to its place, zoomed in far enough to draw it, and its popup opened.
  function show(p) {
    if (p.lat == null || p.lng == null) { window.location.href = urlFor("parcel", p.id); return; }
    focus = p.id;
    // not animated: the view is final when moveend asks for it (and an unchanged view still ends a move)
    map.setView([p.lat, p.lng], Math.max(map.getZoom(), clusterBelow + 2), { animate: false });
  }

  function openFocus() {
    if (focus == null) return;
    for (var i = 0; i < layers.length; i++) {
      if (layers[i].feature.id === focus) {
        var layer = layers[i].layer;
        if (!map.hasLayer(layer)) layer.addTo(parcelLayer);
        layer.openPopup();
        focus = null;
        return;
      }
    }
  }

  function refresh() {
    var shown = 0;
    layers.forEach(function (it) {
      var on = visible(it.feature.properties);
      if (on && !parcelLayer.hasLayer(it.layer)) it.layer.addTo(parcelLayer);
      if (!on && parcelLayer.hasLayer(it.layer)) parcelLayer.removeLayer(it.layer);
      if (on) shown++;
    });
    var clustered = drawClusters();
    mapEl.setAttribute("data-shown", String(shown + clustered));
    drawList();
  }

  // --- zones: outlines (without tiles) and labels ----------------------------------------------------------

  function drawZones(zones) {
    zoneLabels.clearLayers();
    zones.forEach(function (z) {
      if (!z.located || !z.bounds) return;
      var outline = boxBounds(z.bounds);
      // An outline that would cover another zone's parcels says nothing: leave it out.
      var overlaps = zones.some(function (other) {
        return other.id !== z.id && other.located && outline.contains([other.lat, other.lng]);
      });
      if (!config.tileUrl && !overlaps && z.located >= 3) {
        L.rectangle(outline, {
          interactive: false, color: "#0d3b66", weight: 1.5, opacity: 0.45, dashArray: "6 5", fillColor: "#0d3b66", fillOpacity: 0.04
        }).addTo(zoneLabels);
      }
      L.marker([z.lat, z.lng], {
        interactive: false, keyboard: false, zIndexOffset: -1000,  // beneath the clusters
        // a little above the zone's centre, where its cluster would hide it
        icon: L.divIcon({ className: "zone-label", html: "<span>" + esc(z.name) + "</span>", iconSize: [0, 0], iconAnchor: [0, 28] })
      }).addTo(zoneLabels);
    });
  }

  function showMessage(text) {
    var el = document.getElementById("map-message");
    el.textContent = text;
    el.hidden = !text;
  }

  // --- the whole scope's figures, once -----------------------------------------------------------------------

  function drawScope(data) {
    var s = data.summary;
    data.zones.forEach(function (z) { lookup.zones[z.id] = z; });
    lookup.states = data.states || {};
    lookup.urls = data.urls || {};
    (data.risk_levels || []).forEach(function (r) { lookup.risks[r.colour] = r.label; });
    Object.keys(data.risk_summary || {}).forEach(function (k) {
      var el = document.querySelector("[data-risk-count='" + k + "']");
      if (el) el.textContent = data.risk_summary[k];
    });
    STATES.forEach(function (k) {
      var el = document.querySelector("[data-count='" + k + "']");
      if (el) el.textContent = s[k];
    });
    if (data.unlocated && data.unlocated.length) {
      // Not on the map, but counted above: listed here with a link each.
      var un = document.getElementById("map-unlocated");
      var ul = document.getElementById("map-unlocated-list");
      var dots = { red: "red", pending: "amber", green: "green" };
      un.hidden = false;
      document.getElementById("map-unlocated-count").textContent = "(" + s.unlocated + ")";
      data.unlocated.forEach(function (p) {
        var li = document.createElement("li");
        li.setAttribute("data-unlocated", p.code);
        li.innerHTML = "<a href='" + esc(urlFor("parcel", p.id)) + "'><span><span class='dot " + esc(dots[p.state] || "") +
          "'></span><span class='code'>" + esc(p.code) + "</span>" + esc(p.name) + "</span><span class='muted small'>" +
          esc(lookup.states[p.state] || p.state) + "</span></a>";
        ul.appendChild(li);
      });
    }
    var select = document.getElementById("map-zone");
    data.zones.forEach(function (z) {
      var o = document.createElement("option");
      o.value = z.id; o.textContent = z.name + " (" + z.red + "/" + (z.red + z.pending + z.green + z.uninspected) + ")";
      select.appendChild(o);
    });
    drawZones(data.zones);
    if (!(s.total - s.unlocated)) showMessage(t.noData);
  }

  // --- asking the server for what is on screen ---------------------------------------------------------------

  function covered(zoom) {
    if (!answered || answered.zone !== state.zone || answered.query !== state.query) return false;
    if (!answered.bounds.contains(map.getBounds())) return false;
    // the parcels of a box stay the parcels at any closer zoom; clusters are cut for one zoom
    return answered.mode === "parcels" ? zoom >= clusterBelow : zoom === answered.zoom;
  }

  var controller = null, timer = null;

  function load(fitAfter) {
    var zoom = Math.floor(map.getZoom());
    if (!fitAfter && covered(zoom)) { openFocus(); return; }
    var bounds = map.getBounds().pad(0.25);
    var params = new URLSearchParams({
      bbox: [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map(function (v) { return v.toFixed(6); }).join(","),
      zoom: String(zoom)
    });
    if (state.zone) params.set("zone", state.zone);
    if (state.query) params.set("q", state.query);
    if (scopeLists) params.set("scope", "0");  // the legend, zones and lists are here already
    if (controller) controller.abort();
    controller = typeof AbortController === "undefined" ? null : new AbortController();
    var asked = { bounds: bounds, zoom: zoom, zone: state.zone, query: state.query };
    mapEl.setAttribute("aria-busy", "true");
    fetch(config.dataUrl + "?" + params.toString(), {
      credentials: "same-origin", headers: { Accept: "application/json" }, signal: controller ? controller.signal : undefined
    })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        if (!scopeLists && data.summary) { drawScope(data); scopeLists = data.lists; }
        lookup.grids = data.grids || {};
        lists = data.lists || scopeLists;
        asked.mode = data.mode;
        answered = asked;
        parcelLayer.clearLayers();
        var n = data.features.length;
        pointRadius = n > 2000 ? 4 : n > 400 ? 5 : 7;
        layers = data.features.map(function (f) { return { feature: f, layer: makeLayer(f) }; });
        clusters = (data.clusters || []).map(function (c) { return { cluster: c }; });
        var total = n + clusters.reduce(function (sum, it) { return sum + it.cluster.n; }, 0);
        refresh();
        mapEl.setAttribute("data-mode", data.mode);
        mapEl.setAttribute("data-bbox", (data.bbox || []).join(","));
        mapEl.setAttribute("data-zoom", String(asked.zoom));
        mapEl.setAttribute("data-loaded", String(total));
        mapEl.removeAttribute("aria-busy");
        openFocus();
        if (fitAfter && state.query && data.extent) fitBox(data.extent);
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        mapEl.removeAttribute("aria-busy");
        showMessage(t.loadError);
      });
  }

  map.on("moveend", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { load(false); }, 150);
  });
  load(false);

  // --- the legend's buttons, the layer switch, the zone and the search ------------------------------------------

  document.querySelectorAll("[data-state]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var key = btn.getAttribute("data-state");
      state.shown[key] = !state.shown[key];
      btn.setAttribute("aria-pressed", String(state.shown[key]));
      refresh();
    });
  });
  document.querySelectorAll("[data-risk]").forEach(function (btn) {
    if (btn.tagName !== "BUTTON") return;
    btn.addEventListener("click", function () {
      var key = btn.getAttribute("data-risk");
      state.risks[key] = !state.risks[key];
      btn.setAttribute("aria-pressed", String(state.risks[key]));
      refresh();
    });
  });

  function setLayer(layer) {
    state.layer = layer;
    document.querySelectorAll("[data-layer]").forEach(function (btn) {
      btn.setAttribute("aria-pressed", String(btn.getAttribute("data-layer") === layer));
    });
    document.querySelectorAll("[data-layer-title]").forEach(function (el) {
      el.hidden = el.getAttribute("data-layer-title") !== layer;
    });
    document.getElementById("map-stats").hidden = layer === "risk";
    document.getElementById("map-risk-stats").hidden = layer !== "risk";
    document.getElementById("map-list-title").textContent = layer === "risk" ? t.riskList : t.redList;
    document.getElementById("map-list-help").textContent = layer === "risk" ? t.riskListHelp : t.redListHelp;
    mapEl.setAttribute("data-layer", layer);
    layers.forEach(function (it) {
      var p = it.feature.properties;
      if (it.layer.setStyle) {
        it.layer.setStyle(style(p));
        // Leaflet keeps the class given at creation: swap it on the drawn paths too.
        (it.layer.getLayers ? it.layer.getLayers() : [it.layer]).forEach(function (l) {
          if (l._path) l._path.setAttribute("class", style(p).className + " leaflet-interactive");
        });
      }
    });
    if (window.history && window.history.replaceState) {
      var url = new URL(window.location.href);
      if (layer === "risk") url.searchParams.set("layer", "risk"); else url.searchParams.delete("layer");
      window.history.replaceState(null, "", url.toString());
    }
    refresh();
  }
  document.querySelectorAll("button[data-layer]").forEach(function (btn) {
    btn.addEventListener("click", function () { setLayer(btn.getAttribute("data-layer")); });
  });
  mapEl.setAttribute("data-layer", state.layer);

  document.getElementById("map-zone").addEventListener("change", function (e) {
    state.zone = e.target.value;
    var zone = lookup.zones[state.zone];
    var box = zone && zone.bounds ? zone.bounds : config.bounds;
    if (box) fitBox(box); else load(false);  // a fit ends in moveend, which asks for the new zone
  });
  var searchTimer;
  document.getElementById("map-search").addEventListener("input", function (e) {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () {
      state.query = e.target.value.trim();
      clearTimeout(timer);
      load(!!state.query);
    }, 250);
  });
})();
