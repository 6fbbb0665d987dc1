/* The dashboard's charts (Apache ECharts, vendored). Data comes from the page
 * (<script id="dashboard-data">, the same JSON as /cases/dashboard/data/); the 30/90-day
 * switch fetches that endpoint. Clicking a bar or a point opens the list behind it. */
(function () {
  "use strict";

  var BLUE = "#1a5fb4", GREEN = "#2e7d32", RED = "#c62828", AMBER = "#f59e0b", GREY = "#8a96a5";
  var FONT = getComputedStyle(document.body).fontFamily;

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var data = readJSON("dashboard-data");
  var labels = readJSON("dashboard-labels") || {};
  if (!data || typeof echarts === "undefined") return;

  var charts = {};

  function chart(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    if (!charts[id]) charts[id] = echarts.init(el, null, { renderer: "canvas" });
    return charts[id];
  }

  function go(url) {
    if (url) window.location.href = url;
  }

  var base = {
    textStyle: { fontFamily: FONT },
    animationDuration: 400,
    tooltip: { trigger: "axis", confine: true },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0, left: 0, itemWidth: 14, itemHeight: 8, textStyle: { color: "#3d4a5a" } }
  };

  function merge(a, b) {
    var out = {}, k;
    for (k in a) out[k] = a[k];
    for (k in b) out[k] = b[k];
    return out;
  }

  function drawTrend(trend) {
    var c = chart("chart-trend");
    if (!c) return;
    var narrow = c.getWidth() < 520;
    c.setOption(merge(base, {
      xAxis: {
        type: "category", data: trend.dates, boundaryGap: false,
        axisLabel: { color: "#5f6b7a", formatter: function (v) { return v.slice(5); }, hideOverlap: true },
        axisLine: { lineStyle: { color: "#c5cdd8" } }
      },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: "#5f6b7a" }, splitLine: { lineStyle: { color: "#eef1f5" } } },
      series: [
        { name: labels.found, type: "line", data: trend.found, smooth: false, symbol: "circle", symbolSize: narrow ? 4 : 6,
          itemStyle: { color: BLUE }, lineStyle: { width: 2 }, areaStyle: { color: "rgba(26,95,180,.08)" } },
        { name: labels.rectified, type: "line", data: trend.rectified, smooth: false, symbol: "circle", symbolSize: narrow ? 4 : 6,
          itemStyle: { color: GREEN }, lineStyle: { width: 2 }, areaStyle: { color: "rgba(46,125,50,.06)" } }
      ]
    }), true);
    c.off("click");
    c.on("click", function (p) {
      if (p.seriesIndex === 0 && trend.found_url) go(trend.found_url.split("__day__").join(trend.dates[p.dataIndex]));
      else if (p.seriesIndex === 1) go(trend.rectified_url);
    });
  }

  function drawParcels(f) {
    var c = chart("chart-parcels");
    if (!c) return;
    var items = [
      { name: labels.red, value: f.parcels_red, itemStyle: { color: RED }, url: f.links.parcels_red },
      { name: labels.pending, value: f.parcels_pending, itemStyle: { color: AMBER }, url: f.links.parcels_pending },
      { name: labels.green, value: f.parcels_green, itemStyle: { color: GREEN }, url: f.links.parcels_green },
      { name: labels.uninspected, value: f.parcels_uninspected, itemStyle: { color: "#9aa5b1" }, url: f.links.parcels_uninspected }
    ];
    var total = f.parcels_total || 0;
    c.setOption({
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      title: {
        text: String(f.parcels_green), subtext: "/ " + total, left: "center", top: "38%",
        textStyle: { fontSize: 26, fontWeight: 700, color: GREEN, fontFamily: FONT },
        subtextStyle: { fontSize: 13, color: "#5f6b7a", fontFamily: FONT }, itemGap: 2
      },
      series: [{
        type: "pie", radius: ["58%", "82%"], center: ["50%", "50%"], avoidLabelOverlap: true,
        label: { show: false }, data: items, itemStyle: { borderColor: "#fff", borderWidth: 2 }
      }]
    }, true);
    c.off("click");
    c.on("click", function (p) { go(p.data && p.data.url); });
  }

  function drawBars(id, rows, nameKey, urlOf) {
    var c = chart(id);
    if (!c) return;
    if (!rows.length) {
      c.setOption({ title: { text: labels.noData, left: "center", top: "middle", textStyle: { color: GREY, fontSize: 14, fontWeight: 400 } } }, true);
      return;
    }
    var ordered = rows.slice().reverse();
    c.setOption(merge(base, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, axisLabel: { color: "#5f6b7a" }, splitLine: { lineStyle: { color: "#eef1f5" } } },
      yAxis: {
        type: "category", data: ordered.map(function (r) { return r[nameKey]; }),
        axisLabel: { color: "#3d4a5a", width: 110, overflow: "truncate" }, axisLine: { lineStyle: { color: "#c5cdd8" } }
      },
      series: [
        { name: labels.rectified, type: "bar", stack: "all", data: ordered.map(function (r) { return r.rectified; }), itemStyle: { color: GREEN }, barMaxWidth: 18 },
        { name: labels.open, type: "bar", stack: "all", data: ordered.map(function (r) { return r.open; }), itemStyle: { color: RED }, barMaxWidth: 18,
          label: { show: true, position: "right", color: "#3d4a5a", fontSize: 11, formatter: function (p) { return ordered[p.dataIndex].found; } } }
      ]
    }), true);
    c.off("click");
    c.on("click", function (p) { go(urlOf(ordered[p.dataIndex], p.seriesIndex)); });
  }

  var LEVEL_COLOURS = { red: "#c62828", orange: "#ef6c00", yellow: "#fdd835", blue: "#1565c0" };

  function drawCoverage(p) {
    var c = chart("chart-coverage");
    if (!c || !p) return;
    var cov = p.coverage;
    c.setOption({
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      title: {
        text: cov.rate === null ? "—" : cov.rate + "%", subtext: cov.covered + " / " + cov.units, left: "center", top: "38%",
        textStyle: { fontSize: 24, fontWeight: 700, color: GREEN, fontFamily: FONT },
        subtextStyle: { fontSize: 13, color: "#5f6b7a", fontFamily: FONT }, itemGap: 2
      },
      series: [{
        type: "pie", radius: ["58%", "82%"], center: ["50%", "50%"], label: { show: false },
        itemStyle: { borderColor: "#fff", borderWidth: 2 },
        data: [
          { name: labels.covered, value: cov.covered, itemStyle: { color: GREEN }, url: p.links.coverage },
          { name: labels.uncovered, value: cov.overdue, itemStyle: { color: RED }, url: p.links.coverage }
        ]
      }]
    }, true);
    c.off("click");
    c.on("click", function (e) { go(e.data && e.data.url); });
  }

  function drawRiskLevels(p) {
    var c = chart("chart-risk-levels");
    if (!c || !p) return;
    if (!p.zones.length) {
      c.setOption({ title: { text: labels.noData, left: "center", top: "middle", textStyle: { color: GREY, fontSize: 14, fontWeight: 400 } } }, true);
      return;
    }
    var zones = p.zones.slice().reverse();
    c.setOption(merge(base, {
      tooltip: {
        trigger: "axis", axisPointer: { type: "shadow" }, confine: true,
        formatter: function (items) {
          var zone = zones[items[0].dataIndex], lines = [zone.name];
          items.forEach(function (item) {
            var counts = zone.levels[p.colours[item.seriesIndex]];
            lines.push(item.marker + item.seriesName + "：" + labels.enterprises + " " + counts.enterprise + "，" + labels.parcels + " " + counts.parcel);
          });
          return lines.join("<br>");
        }
      },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, axisLabel: { color: "#5f6b7a" }, splitLine: { lineStyle: { color: "#eef1f5" } } },
      yAxis: {
        type: "category", data: zones.map(function (z) { return z.name; }),
        axisLabel: { color: "#3d4a5a", width: 110, overflow: "truncate" }, axisLine: { lineStyle: { color: "#c5cdd8" } }
      },
      series: p.colours.map(function (colour) {
        return {
          name: p.colour_labels[colour], type: "bar", stack: "units", barMaxWidth: 18,
          itemStyle: { color: LEVEL_COLOURS[colour] },
          data: zones.map(function (z) { return z.levels[colour].enterprise + z.levels[colour].parcel; })
        };
      })
    }), true);
    c.off("click");
    c.on("click", function (e) { go(zones[e.dataIndex] && zones[e.dataIndex].patrol_url); });
  }

  // 培训演练 per zone: sessions (bars) and person-times (line, right axis); a click opens the drills list.
  function drawLedgers(g) {
    var c = chart("chart-ledgers");
    if (!c || !g) return;
    if (!g.zones.length) {
      c.setOption({ title: { text: labels.noData, left: "center", top: "middle", textStyle: { color: GREY, fontSize: 14, fontWeight: 400 } } }, true);
      return;
    }
    c.setOption(merge(base, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      xAxis: { type: "category", data: g.zones.map(function (z) { return z.name; }), axisLabel: { color: "#3d4a5a", hideOverlap: true } },
      yAxis: [
        { type: "value", minInterval: 1, axisLabel: { color: "#5f6b7a" }, splitLine: { lineStyle: { color: "#eef1f5" } } },
        { type: "value", minInterval: 1, axisLabel: { color: "#5f6b7a" }, splitLine: { show: false } }
      ],
      series: [
        { name: labels.sessions, type: "bar", barMaxWidth: 22, itemStyle: { color: BLUE },
          data: g.zones.map(function (z) { return z.drills.sessions; }) },
        { name: labels.personTimes, type: "line", yAxisIndex: 1, symbol: "circle", itemStyle: { color: AMBER },
          data: g.zones.map(function (z) { return z.drills.person_times; }) }
      ]
    }), true);
    c.off("click");
    c.on("click", function () { go(g.links && g.links.drills); });
  }

  function draw(d) {
    drawLedgers(d.ledgers);
    drawCoverage(d.patrols);
    drawRiskLevels(d.patrols);
    drawTrend(d.trend);
    drawParcels(d.figures);
    drawBars("chart-categories", d.categories, "name", function (row, series) { return series === 1 ? row.open_url : row.url; });
    drawBars("chart-zones", d.zones, "name", function (row, series) { return series === 1 ? row.links.open : row.links.found; });
  }

  draw(data);

  // 30 / 90 days: fetch the trend without reloading the page.
  document.querySelectorAll("[data-days]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var holder = link.closest("[data-url]");
      var dataUrl = holder && holder.getAttribute("data-url");
      if (!dataUrl || !window.fetch) return;
      event.preventDefault();
      fetch(dataUrl + "?days=" + link.getAttribute("data-days"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (fresh) {
          drawTrend(fresh.trend);
          document.querySelectorAll("[data-days]").forEach(function (l) {
            var on = l === link;
            l.classList.toggle("active", on);
            if (on) l.setAttribute("aria-current", "true"); else l.removeAttribute("aria-current");
          });
          if (window.history && history.replaceState) history.replaceState(null, "", "?days=" + link.getAttribute("data-days"));
        })
        .catch(function () { window.location.href = link.href; });
    });
  });

  var resizeTimer;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); }, 150);
  });
})();
