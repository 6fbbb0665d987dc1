/* The red/green parcel map (Leaflet, vendored). Parcels come as GeoJSON from the map data
 * endpoint: polygons when a parcel has one, points otherwise. The state (cases.parcel_states) is
 * computed by the server: red, open hazards; amber, pending (rectified, waiting for or under a
 * cross-check; a thick outline once the cross-check is requested); green, closed out; grey, never
 * inspected. Parcels without coordinates are listed beside the map. A tile layer is added only when the server
 * configures MAP_TILE_URL, so the map also works on an intranet without internet: the parcels
 * are then drawn on a plain background with zone labels.
 * A second layer (安全风险四色分布图) colours the same parcels by their risk level (``risk``, 1–4:
 * blue, yellow, orange, red), with its own legend, counts and filter; the switch keeps ?layer= in the
 * address so a link can open either. */
(function () {
  "use strict";

  var RED = "#c62828", GREEN = "#2e7d32", AMBER = "#f59e0b", GREY = "#9aa5b1";
  var FILL = { red: RED, green: GREEN, amber: AMBER, grey: GREY };
  var EDGE = { red: "#8e1b1b", green: "#1b5e20", amber: "#b45309", grey: "#5f6b7a" };
  var RISK_FILL = { red: "#c62828", orange: "#ef6c00", yellow: "#f2c200", blue: "#1565c0" };
  var RISK_EDGE = { red: "#8e1b1b", orange: "#a84a00", yellow: "#8a6d00", blue: "#0d3b7a" };
  var RISK_COLOUR = { 4: "red", 3: "orange", 2: "yellow", 1: "blue" };
  var configEl = document.getElementById("map-config");
  var mapEl = document.getElementById("parcel-map");
  if (!configEl || !mapEl || typeof L === "undefined") return;
  var config = JSON.parse(configEl.textContent);
  var t = config.labels || {};

  var map = L.map(mapEl, {
    zoomControl: true, attributionControl: !!config.tileUrl, preferCanvas: false, minZoom: 3, maxZoom: 19,
    zoomSnap: 0.25, zoomDelta: 0.5
  });
  var pointRadius = 7;
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: config.tileAttribution || "" }).addTo(map);
  }
  map.setView([28.9, 120.05], 12);

  var state = {
    zone: "", query: "", layer: config.layer === "risk" ? "risk" : "hazard",
    shown: { red: true, pending: true, green: true, uninspected: true },
    risks: { red: true, orange: true, yellow: true, blue: true }
  };
  var layers = [];   // {feature, layer}
  var zoneLabels = L.layerGroup().addTo(map);

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

  function makeLayer(feature) {
    var p = feature.properties;
    var layer;
    if (feature.geometry.type === "Point") {
      var c = feature.geometry.coordinates;
      layer = L.circleMarker([c[1], c[0]], L.extend({ radius: p.waiting ? pointRadius + 1 : pointRadius }, style(p), { fillOpacity: 0.85 }));
    } else {
      layer = L.geoJSON(feature, { style: function () { return style(p); } });
    }
    layer.bindPopup(function () { return popup(feature); }, { maxWidth: 300 });
    layer.bindTooltip(esc(p.code) + " " + esc(p.name), { direction: "top", sticky: true });
    return layer;
  }

  function visible(p) {
    if (state.layer === "risk" ? !state.risks[riskOf(p)] : !state.shown[p.state]) return false;
    if (state.zone && String(p.zone_id) !== state.zone) return false;
    if (state.query) {
      var q = state.query.toLowerCase();
      if ((p.code + " " + p.name).toLowerCase().indexOf(q) < 0) return false;
    }
    return true;
  }

  function boundsOf(items) {
    var b = null;
    items.forEach(function (it) {
      var lb = it.layer.getBounds ? it.layer.getBounds() : L.latLngBounds([it.layer.getLatLng()]);
      if (!lb.isValid()) return;
      b = b ? b.extend(lb) : L.latLngBounds(lb.getSouthWest(), lb.getNorthEast());
    });
    return b;
  }

  function fit(items) {
    var b = boundsOf(items);
    if (b) map.fitBounds(b.pad(0.12), { maxZoom: 17 });
  }

  var listEl = document.getElementById("map-list");
  var listCount = document.getElementById("map-list-count");

  function refresh(refit) {
    var shown = [];
    layers.forEach(function (it) {
      var on = visible(it.feature.properties);
      if (on && !map.hasLayer(it.layer)) it.layer.addTo(map);
      if (!on && map.hasLayer(it.layer)) map.removeLayer(it.layer);
      if (on) shown.push(it);
    });
    var risk = state.layer === "risk";
    var red = shown.filter(function (it) {
      var p = it.feature.properties;
      return risk ? p.risk >= 3 : p.state === "red";
    }).sort(function (a, b) {
      var p = a.feature.properties, q = b.feature.properties;
      return risk ? (q.risk - p.risk || q.open_hazards - p.open_hazards) : q.open_hazards - p.open_hazards;
    });
    listEl.innerHTML = "";
    red.slice(0, 200).forEach(function (it) {
      var p = it.feature.properties;
      var li = document.createElement("li");
      li.innerHTML = "<button type='button'><span><span class='code'>" + esc(p.code) + "</span>" + esc(p.name) + "</span>" +
        (risk ? "<span class='risk-badge risk-" + esc(riskOf(p)) + "'>" + esc(lookup.risks[riskOf(p)] || "") + "</span>" :
          "<span class='pill " + (p.open_hazards ? "pill-red" : "") + "' title='" + esc(t.openHazards) + "'>" + esc(p.open_hazards) + "</span>") +
        "</button>";
      li.querySelector("button").addEventListener("click", function () {
        fit([it]);
        it.layer.openPopup ? it.layer.openPopup() : null;
      });
      listEl.appendChild(li);
    });
    listCount.textContent = "(" + red.length + ")";
    if (refit && shown.length) fit(shown);
  }

  // Without tiles the parcels float on a blank sheet: outline each zone (the convex hull of its
  // parcels) and label it, so the map still reads as a map.
  function hull(points) {
    var pts = points.slice().sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    if (pts.length < 3) return pts;
    function cross(o, a, b) { return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]); }
    var lower = [], upper = [], i;
    for (i = 0; i < pts.length; i++) {
      while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], pts[i]) <= 0) lower.pop();
      lower.push(pts[i]);
    }
    for (i = pts.length - 1; i >= 0; i--) {
      while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], pts[i]) <= 0) upper.pop();
      upper.push(pts[i]);
    }
    upper.pop(); lower.pop();
    return lower.concat(upper);
  }

  function coordinates(geometry) {
    if (geometry.type === "Point") return [geometry.coordinates];
    var rings = geometry.type === "Polygon" ? [geometry.coordinates[0]] : geometry.coordinates.map(function (p) { return p[0]; });
    return [].concat.apply([], rings);
  }

  function inside(point, polygon) {
    var hit = false;
    for (var i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
      var a = polygon[i], b = polygon[j];
      if ((a[1] > point[1]) !== (b[1] > point[1]) &&
          point[0] < (b[0] - a[0]) * (point[1] - a[1]) / (b[1] - a[1]) + a[0]) hit = !hit;
    }
    return hit;
  }

  function drawZones(zones, features) {
    zoneLabels.clearLayers();
    var byZone = {};
    features.forEach(function (f) {
      var key = f.properties.zone_id;
      if (!byZone[key]) byZone[key] = [];
      byZone[key].push.apply(byZone[key], coordinates(f.geometry));
    });
    zones.forEach(function (z) {
      if (!z.located) return;
      var shape = hull(byZone[z.id] || []);
      // An outline that would cover another zone's parcels says nothing: leave it out.
      var overlaps = zones.some(function (other) {
        return other.id !== z.id && other.located && inside([other.lng, other.lat], shape);
      });
      if (!config.tileUrl && shape.length >= 3 && !overlaps) {
        L.polygon(shape.map(function (c) { return [c[1], c[0]]; }), {
          interactive: false, color: "#0d3b66", weight: 1.5, opacity: 0.45, dashArray: "6 5", fillColor: "#0d3b66", fillOpacity: 0.04
        }).addTo(zoneLabels);
      }
      L.marker([z.lat, z.lng], {
        interactive: false, keyboard: false,
        icon: L.divIcon({ className: "zone-label", html: "<span>" + esc(z.name) + "</span>", iconSize: [0, 0] })
      }).addTo(zoneLabels);
    });
  }

  function showMessage(text) {
    var el = document.getElementById("map-message");
    el.textContent = text;
    el.hidden = !text;
  }

  fetch(config.dataUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (data) {
      var s = data.summary;
      data.zones.forEach(function (z) { lookup.zones[z.id] = z; });
      lookup.grids = data.grids || {};
      lookup.states = data.states || {};
      lookup.urls = data.urls || {};
      (data.risk_levels || []).forEach(function (r) { lookup.risks[r.colour] = r.label; });
      Object.keys(data.risk_summary || {}).forEach(function (k) {
        var el = document.querySelector("[data-risk-count='" + k + "']");
        if (el) el.textContent = data.risk_summary[k];
      });
      ["red", "pending", "green", "uninspected"].forEach(function (k) {
        var el = document.querySelector("[data-count='" + k + "']");
        if (el) el.textContent = s[k];
      });
      if (data.unlocated && data.unlocated.length) {
        // Not on the map, but counted above: listed here with a link each.
        var un = document.getElementById("map-unlocated");
        var ul = document.getElementById("map-unlocated-list");
        var dots = { red: "red", pending: "amber", green: "green" };
        un.hidden = false;
        document.getElementById("map-unlocated-count").textContent = "(" + data.unlocated.length + ")";
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
      pointRadius = data.features.length > 2000 ? 4 : data.features.length > 400 ? 5 : 7;
      layers = data.features.map(function (f) { return { feature: f, layer: makeLayer(f) }; });
      drawZones(data.zones, data.features);
      if (!layers.length) showMessage(t.noData);
      refresh(true);
      mapEl.setAttribute("data-loaded", String(layers.length));
    })
    .catch(function () { showMessage(t.loadError); });

  document.querySelectorAll("[data-state]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var key = btn.getAttribute("data-state");
      state.shown[key] = !state.shown[key];
      btn.setAttribute("aria-pressed", String(state.shown[key]));
      refresh(false);
    });
  });
  document.querySelectorAll("[data-risk]").forEach(function (btn) {
    if (btn.tagName !== "BUTTON") return;
    btn.addEventListener("click", function () {
      var key = btn.getAttribute("data-risk");
      state.risks[key] = !state.risks[key];
      btn.setAttribute("aria-pressed", String(state.risks[key]));
      refresh(false);
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
    refresh(false);
  }
  document.querySelectorAll("button[data-layer]").forEach(function (btn) {
    btn.addEventListener("click", function () { setLayer(btn.getAttribute("data-layer")); });
  });
  mapEl.setAttribute("data-layer", state.layer);

  document.getElementById("map-zone").addEventListener("change", function (e) {
    state.zone = e.target.value;
    refresh(true);
  });
  var searchTimer;
  document.getElementById("map-search").addEventListener("input", function (e) {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () {
      state.query = e.target.value.trim();
      refresh(!!state.query);
    }, 200);
  });
})();
