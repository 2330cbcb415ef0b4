// Charts of the report pages, drawn with ECharts from the JSON block
// #chart-data. Every bar links to the complaints it counts.
(function () {
  "use strict";
  var block = document.getElementById("chart-data");
  if (!block || typeof echarts === "undefined") { return; }
  var charts = JSON.parse(block.textContent || "[]") || [];
  var drawn = {};
  charts.forEach(function (c) {
    var el = document.getElementById(c.id);
    if (!el) { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var pareto = c.kind === "pareto";
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: [c.bar, c.line_of], bottom: 0 },
      grid: { left: 48, right: pareto ? 48 : 16, top: 16, bottom: 64 },
      xAxis: { type: "category", data: c.labels, axisLabel: { interval: 0, rotate: c.labels.length > 6 ? 30 : 0 } },
      yAxis: pareto ? [{ type: "value", minInterval: 1 }, { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }]
                    : [{ type: "value", minInterval: 1 }],
      series: [
        { name: c.bar, type: "bar", data: c.values, itemStyle: { color: "#2f6fae" }, cursor: "pointer" },
        { name: c.line_of, type: "line", data: c.line, yAxisIndex: pareto ? 1 : 0, symbolSize: 6,
          itemStyle: { color: pareto ? "#c2410c" : "#9aa5b1" }, lineStyle: { type: pareto ? "solid" : "dashed" } }
      ]
    });
    // A bar and the point of the line above it stand for the same
    // complaints: either opens them.
    chart.on("click", function (p) {
      var link = c.links && c.links[p.dataIndex];
      if (link) { window.location.href = link; }
    });
    el.setAttribute("data-ready", "true");
    drawn[c.id] = chart;
    window.addEventListener("resize", function () { chart.resize(); });
  });
  window.kesuCharts = drawn;
})();
