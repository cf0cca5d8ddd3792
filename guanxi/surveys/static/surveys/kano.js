/* The KANO Better/Worse scatter: <div class="chart" data-kano="ID"> draws the points in the
   <script type="application/json" id="ID"> (json_script: no inline code, the CSP forbids it).
   x = |Worse| (dissatisfaction when missing), y = Better (satisfaction when present); the
   lines at 0.5 split the quadrants (must-be bottom right, one-dimensional top right,
   attractive top left, indifferent bottom left). */
(function () {
  "use strict";
  function draw(el) {
    var source = document.getElementById(el.dataset.kano);
    if (!source || !window.echarts) return;
    var spec = JSON.parse(source.textContent);
    var groups = {};
    spec.points.forEach(function (p) {
      (groups[p.category] = groups[p.category] || []).push({ name: p.name, value: p.value });
    });
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      aria: { enabled: true },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 96, top: 48, bottom: 32, containLabel: true },
      tooltip: {
        trigger: "item", renderMode: "richText", confine: true,
        formatter: function (p) { return p.data.name + " (" + p.seriesName + ")\nWorse " + p.data.value[0] + " · Better " + p.data.value[1]; },
      },
      xAxis: { type: "value", min: 0, max: 1, name: spec.xName, nameLocation: "middle", nameGap: 24 },
      yAxis: { type: "value", min: 0, max: 1, name: spec.yName, nameTextStyle: { align: "left" } },
      series: Object.keys(groups).map(function (name, i) {
        var series = {
          type: "scatter", name: name, data: groups[name], symbolSize: 12,
          label: { show: true, position: "right", formatter: function (p) { return p.data.name; }, fontSize: 11 },
        };
        if (i === 0) {
          series.markLine = { silent: true, symbol: "none", label: { show: false }, lineStyle: { type: "dashed", color: "#999" }, data: [{ xAxis: 0.5 }, { yAxis: 0.5 }] };
        }
        return series;
      }),
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.rendered = "1";
  }
  function start() { document.querySelectorAll(".chart[data-kano]").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
