/* The management dashboards: each <div class="chart" data-chart="ID"> draws the chart spec in
   the <script type="application/json" id="ID"> the page carries (json_script: no inline code,
   the CSP forbids it). A data item with a "url" opens the customers behind it on click.
   Tooltips render on the canvas (renderMode "richText"): no inline styles for the CSP. */
(function () {
  "use strict";

  function fmt(n) {
    return typeof n === "number" ? n.toLocaleString() : String(n);
  }

  var tooltip = { trigger: "item", renderMode: "richText", confine: true };

  function base(spec) {
    return {
      animation: false,
      aria: { enabled: true },
      tooltip: Object.assign({}, tooltip),
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    };
  }

  function named(axis) {
    axis.nameTextStyle = { align: "left" };
    return axis;
  }

  function heatmap(spec) {
    var max = 0;
    spec.data.forEach(function (d) { max = Math.max(max, d.value[2]); });
    var option = base(spec);
    option.grid.bottom = 56;
    option.tooltip.formatter = function (p) {
      var v = p.data.value;
      var line = spec.y[v[1]] + " · " + spec.x[v[0]] + ": " + fmt(v[2]) + (spec.percent ? "%" : " " + spec.valueName);
      if (p.data.revenue !== undefined) line += "\n" + spec.revenueName + " ¥" + fmt(p.data.revenue);
      return line;
    };
    option.xAxis = { type: "category", data: spec.x, name: spec.xName, nameLocation: "middle", nameGap: 24, splitArea: { show: true } };
    option.yAxis = named({ type: "category", data: spec.y, name: spec.yName, splitArea: { show: true } });
    option.visualMap = { min: 0, max: max || 1, calculable: false, orient: "horizontal", left: "center", bottom: 0, itemHeight: 120 };
    option.series = [{
      type: "heatmap", data: spec.data,
      label: { show: spec.x.length <= 12, formatter: function (p) { return fmt(p.data.value[2]); }, fontSize: 10 },
      emphasis: { itemStyle: { borderColor: "#333", borderWidth: 1 } },
    }];
    return option;
  }

  function pareto(spec) {
    var option = base(spec);
    option.tooltip.formatter = function (p) {
      return spec.xName + ": " + p.data.value[0] + "%\n" + spec.yName + ": " + p.data.value[1] + "%" + (p.data.tier ? "\nABC " + p.data.tier : "");
    };
    option.xAxis = { type: "value", min: 0, max: 100, name: spec.xName, nameLocation: "middle", nameGap: 24 };
    option.yAxis = named({ type: "value", min: 0, max: 100, name: spec.yName });
    option.grid.bottom = 32;
    option.series = [
      { type: "line", data: spec.data, showSymbol: true, symbolSize: 4, areaStyle: { opacity: 0.15 } },
      { type: "line", data: [[0, 0], [100, 100]], silent: true, showSymbol: false, lineStyle: { type: "dashed", color: "#999" } },
    ];
    return option;
  }

  var LABEL_FONT = "12px sans-serif";  // ECharts' axis label font
  var measure = document.createElement("canvas").getContext("2d");
  function textWidth(text) {
    measure.font = LABEL_FONT;
    return measure.measureText(String(text)).width;
  }

  /* The category labels of a bar chart `width` px wide. More than six turn 40° (the server's
     x_name_gap counts on it); where they would still crowd each other (a phone) they turn
     further, end in "…" past `cut` px (the tooltip keeps the whole name), and only every n-th
     shows when even that is too tight. A bar chart lying down cuts its labels to a third of a
     narrow chart. Returns the axisLabel and, standing, the height the labels take below the
     axis (for the axis name's gap). */
  function categoryLabels(spec, horizontal, width) {
    var n = Math.max(1, spec.categories.length);
    if (horizontal) {
      var room = width < 640 ? Math.max(64, Math.round(width * 0.35)) : 200;
      return { axisLabel: { interval: 0, rotate: 0, width: room, overflow: "truncate" } };
    }
    var widest = Math.max.apply(null, spec.categories.map(textWidth).concat([0]));
    var band = (width - (spec.line ? 110 : 70)) / n;  // minus the value axes' labels
    var rotate = n > 6 ? 40 : 0;
    var crowded = rotate ? band < 20 : widest + 8 > band;
    if (!crowded) {
      // the height from the labels as this browser measures them: the server's estimate
      // (a digit 0.6 of the font) was ~10 px too generous, and at 390 px the axis name then
      // fell below the chart's edge
      var turned = rotate * Math.PI / 180;
      return {
        axisLabel: { interval: 0, rotate: rotate, overflow: "none" },
        height: Math.ceil(widest * Math.sin(turned) + 12 * Math.cos(turned)),
      };
    }
    rotate = band >= 20 ? 40 : 90;
    var cut = width < 640 ? 96 : 120;
    var shown = Math.min(widest, cut);
    var angle = rotate * Math.PI / 180;
    return {
      axisLabel: { interval: band >= 14 ? 0 : "auto", rotate: rotate, width: cut, overflow: "truncate", hideOverlap: true },
      height: Math.ceil(shown * Math.sin(angle) + 12 * Math.cos(angle)),
    };
  }

  function bars(spec, horizontal, width) {
    var option = base(spec);
    var labels = categoryLabels(spec, horizontal, width);
    var categoryAxis = { type: "category", data: spec.categories, triggerEvent: true, axisLabel: labels.axisLabel };
    var valueAxis = { type: "value" };
    if (spec.series.length > 1 || spec.line) {
      option.legend = { type: "scroll", top: 0 };
      option.grid.top = 48;
    }
    option.tooltip.formatter = function (p) { return p.name + "\n" + p.seriesName + ": " + fmt(p.value); };
    option.xAxis = horizontal ? valueAxis : categoryAxis;
    option.yAxis = horizontal ? categoryAxis : [valueAxis];
    if (spec.xName && !horizontal) {
      // the name below the (possibly turned) tick labels: the gap comes with the spec
      // (data.x_name_gap), the grid keeps room for the name's own line under the labels
      categoryAxis.name = spec.xName; categoryAxis.nameLocation = "middle";
      categoryAxis.nameGap = labels.height ? labels.height + 20 : spec.xNameGap || 48;
      option.grid.bottom = 28;
    }
    option.series = spec.series.map(function (s) {
      return { type: "bar", name: s.name, data: s.data, stack: spec.stack ? "total" : undefined };
    });
    if (spec.line && !horizontal) {
      option.yAxis.push({ type: "value", splitLine: { show: false } });
      option.series.push({ type: "line", name: spec.line.name, data: spec.line.data, yAxisIndex: 1 });
    }
    return option;
  }

  function funnel(spec) {
    var option = base(spec);
    option.tooltip.formatter = function (p) { return p.name + ": " + fmt(p.value); };
    option.series = [{
      type: "funnel", data: spec.data, sort: "none", left: "10%", width: "80%", top: 16, bottom: 8, minSize: "8%",
      label: { show: true, position: "inside", formatter: function (p) { return p.name + " " + fmt(p.value); } },
    }];
    return option;
  }

  function scatter(spec) {
    var option = base(spec);
    var max = 1;
    spec.series.forEach(function (s) { s.data.forEach(function (d) { max = Math.max(max, d.value[2]); }); });
    option.legend = { type: "scroll", top: 0 };
    option.grid.top = 48;
    option.grid.bottom = 32;
    option.tooltip.formatter = function (p) {
      var v = p.data.value;
      return p.seriesName + "\n" + spec.xName + " ≈ " + v[0] + "\n" + spec.yName + " ≈ ¥" + fmt(v[1]) + "\n" + fmt(v[2]) + " " + spec.valueName;
    };
    option.xAxis = { type: "value", min: 0, max: 100, name: spec.xName, nameLocation: "middle", nameGap: 24 };
    option.yAxis = named({ type: "log", name: spec.yName, min: 1 });
    option.series = spec.series.map(function (s) {
      return {
        type: "scatter", name: s.name, data: s.data,
        symbolSize: function (v) { return 5 + 30 * Math.sqrt(v[2] / max); },
        itemStyle: { opacity: 0.7 },
      };
    });
    return option;
  }

  var BUILD = {
    heatmap: heatmap,
    pareto: pareto,
    bar: function (s, width) { return bars(s, false, width); },
    hbar: function (s, width) { return bars(s, true, width); },
    funnel: funnel,
    scatter: scatter,
  };

  /* A click or tap anywhere in a bar's category band (beside a short bar) or on its axis label
     opens the customers of that category: a bar a few pixels long is hard to hit with a finger.
     Only where the band names one link (one series, or every series the same link). */
  function bandUrl(spec, index) {
    var urls = [];
    spec.series.forEach(function (s) {
      var d = s.data[index];
      if (d && d.url && urls.indexOf(d.url) < 0) urls.push(d.url);
    });
    return urls.length === 1 ? urls[0] : null;
  }

  function bandClicks(chart, spec, horizontal) {
    var itemClicked = false;
    chart.on("click", function (p) {
      itemClicked = true;
      if (p.componentType === "xAxis" || p.componentType === "yAxis") {
        var url = bandUrl(spec, spec.categories.indexOf(p.value));
        if (url) window.location.assign(url);
      }
    });
    chart.getZr().on("click", function (e) {
      var point = [e.offsetX, e.offsetY];
      // ECharts reports an item's own click in the same turn: let that one win
      setTimeout(function () {
        if (itemClicked) { itemClicked = false; return; }
        if (!chart.containPixel({ gridIndex: 0 }, point)) return;
        var at = chart.convertFromPixel({ gridIndex: 0 }, point);
        if (!at) return;
        var url = bandUrl(spec, Math.round(horizontal ? at[1] : at[0]));
        if (url) window.location.assign(url);
      }, 0);
    });
  }

  function draw(el) {
    var source = document.getElementById(el.dataset.chart);
    if (!source || !window.echarts) return;
    var spec = JSON.parse(source.textContent);
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(BUILD[spec.kind](spec, chart.getWidth()));
    chart.on("click", function (p) {
      if (p.data && p.data.url) window.location.assign(p.data.url);
    });
    if (spec.kind === "bar" || spec.kind === "hbar") bandClicks(chart, spec, spec.kind === "hbar");
    window.addEventListener("resize", function () {
      chart.resize();
      // the axis labels are laid out for the chart's width: again at the new one
      if (spec.kind === "bar" || spec.kind === "hbar") chart.setOption(BUILD[spec.kind](spec, chart.getWidth()));
    });
    el.dataset.rendered = "1";
  }

  function start() {
    document.querySelectorAll(".chart[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
