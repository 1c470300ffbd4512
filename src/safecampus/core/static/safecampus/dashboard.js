/* Dashboard charts: the district map (ECharts + vendored Yantai GeoJSON) and school types. */
window.SafeCampusDashboard = (function () {
  "use strict";

  function typeChart(el, byType) {
    var chart = echarts.init(el);
    var rows = byType.filter(function (r) { return r.count > 0; });
    chart.setOption({
      tooltip: {trigger: "item", formatter: "{b}: {c} ({d}%)"},
      legend: {type: "scroll", bottom: 0},
      series: [{
        type: "pie", radius: ["38%", "62%"], center: ["50%", "42%"],
        avoidLabelOverlap: true, minShowLabelAngle: 12,
        label: {formatter: "{b}\n{c}"},
        data: rows.map(function (r) { return {name: r.label, value: r.count}; })
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function districtMap(el, opts, geojson) {
    echarts.registerMap("safecampus-districts", geojson);
    var chart = echarts.init(el);
    var districts = opts.data.districts;
    var withPolygon = districts.filter(function (d) { return d.map_feature; });
    // Functional zones have no polygon of their own in the package: draw them as markers.
    var markers = districts.filter(function (d) { return !d.map_feature && d.longitude !== null; });

    function render(metric) {
      var values = districts.map(function (d) { return d[metric]; });
      chart.setOption({
        tooltip: {
          trigger: "item",
          formatter: function (p) {
            var d = p.data && p.data.district;
            if (!d) { return p.name; }
            return "<b>" + d.name + "</b><br>" + opts.labels.schools + ": " + d.schools +
              "<br>" + opts.labels.students + ": " + d.students + "<br>" + opts.labels.staff + ": " + d.staff;
          }
        },
        visualMap: {
          min: 0, max: Math.max.apply(null, values.concat([1])), calculable: true,
          left: 10, bottom: 10, text: [opts.labels[metric], ""],
          inRange: {color: ["#e0f3f8", "#74add1", "#2c7bb6", "#1a4f8b"]}
        },
        geo: {map: "safecampus-districts", roam: true, label: {show: true, fontSize: 11}, itemStyle: {borderColor: "#fff"}},
        series: [
          {
            type: "map", geoIndex: 0, name: metric,
            data: withPolygon.map(function (d) { return {name: d.map_feature, value: d[metric], district: d}; })
          },
          {
            type: "effectScatter", coordinateSystem: "geo", symbolSize: 14,
            label: {show: true, position: "right", formatter: "{b}", fontSize: 11},
            data: markers.map(function (d) {
              return {name: d.name, value: [d.longitude, d.latitude, d[metric]], district: d};
            })
          }
        ]
      }, true);
    }

    render("schools");
    chart.on("click", function (p) {
      if (p.data && p.data.district) { window.location = opts.homeUrl + "?unit=" + p.data.district.id; }
    });
    var select = document.getElementById("map-metric");
    if (select) { select.addEventListener("change", function () { render(select.value); }); }
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function init(opts) {
    var typeEl = document.getElementById("type-chart");
    if (typeEl) { typeChart(typeEl, opts.data.by_type); }
    var mapEl = document.getElementById("district-map");
    if (mapEl) {
      fetch(opts.geojsonUrl).then(function (r) { return r.json(); }).then(function (g) { districtMap(mapEl, opts, g); });
    }
  }

  return {init: init};
})();
