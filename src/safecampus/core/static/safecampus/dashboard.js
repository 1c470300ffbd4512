/* Dashboard charts: the district map (ECharts + vendored Yantai GeoJSON) and school types.
   The page gives the figures in #chart-data (json_script) and the addresses and labels in
   #chart-config's data- attributes; this file draws them when the page has loaded.

   Tooltips have formatters of their own: ECharts' default ones are HTML with style=""
   attributes, which the Content Security Policy refuses. */
window.SafeCampusDashboard = (function () {
  "use strict";

  function typeChart(el, byType) {
    var chart = echarts.init(el);
    var rows = byType.filter(function (r) { return r.count > 0; })
      .sort(function (a, b) { return a.count - b.count; });
    chart.setOption({
      tooltip: {
        trigger: "axis", axisPointer: {type: "shadow"},
        formatter: function (p) {  // ECharts' own layout, with the classes of app.css
          var f = echarts.format;
          return '<div class="sc-tip-title">' + f.encodeHTML(p[0].name) + '</div><div class="sc-tip-row">' +
            '<span class="sc-tip-marker"></span><span class="sc-tip-value">' + f.addCommas(p[0].value) + "</span></div>";
        }
      },
      grid: {left: 8, right: 40, top: 8, bottom: 8, containLabel: true},
      xAxis: {type: "value", splitLine: {lineStyle: {type: "dashed"}}},
      yAxis: {type: "category", data: rows.map(function (r) { return r.label; }), axisTick: {show: false}},
      series: [{
        type: "bar", barMaxWidth: 18, itemStyle: {color: "#206bc4", borderRadius: [0, 3, 3, 0]},
        label: {show: true, position: "right"},
        data: rows.map(function (r) { return r.count; })
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function centre(points) {
    if (!points.length) { return undefined; }
    var lon = 0, lat = 0;
    points.forEach(function (d) { lon += d.longitude; lat += d.latitude; });
    return [lon / points.length, lat / points.length - 0.08];
  }

  function districtMap(el, opts, geojson) {
    var districts = opts.data.districts;
    var focus = opts.data.focus_feature;
    if (focus) {
      // A district's own dashboard draws just its polygon.
      geojson = {type: "FeatureCollection", features: geojson.features.filter(function (f) {
        return f.properties.name === focus;
      })};
    }
    echarts.registerMap("safecampus-districts", geojson);
    var chart = echarts.init(el);
    var withPolygon = districts.filter(function (d) { return d.map_feature; });
    // Functional zones have no polygon of their own in the package: draw them as markers.
    var markers = districts.filter(function (d) { return !d.map_feature && d.longitude !== null; });
    var labelled = districts.filter(function (d) { return d.longitude !== null && (!focus || d.map_feature === focus); });

    function render(metric) {
      var values = districts.map(function (d) { return d[metric]; });
      chart.setOption({
        tooltip: {
          trigger: "item",
          formatter: function (p) {
            var d = p.data && p.data.district, html = echarts.format.encodeHTML;
            if (!d) { return html(p.name); }
            return "<b>" + html(d.name) + "</b><br>" + html(opts.labels.schools + ": " + d.schools) +
              "<br>" + html(opts.labels.students + ": " + d.students) + "<br>" + html(opts.labels.staff + ": " + d.staff);
          }
        },
        visualMap: {
          show: !focus, min: 0, max: Math.max.apply(null, values.concat([1])), calculable: true,
          left: 10, bottom: 10, text: [opts.labels[metric], ""],
          inRange: {color: ["#e0f3f8", "#74add1", "#2c7bb6", "#1a4f8b"]}
        },
        geo: {
          map: "safecampus-districts", roam: true, layoutCenter: ["50%", "50%"], layoutSize: "95%",
          // The city view centres on the districts, not on the far-off islands' bounding box.
          center: focus ? undefined : centre(labelled), zoom: focus ? 1 : 1.1,
          // Names come from the label series below (today's names, overlaps hidden).
          label: {show: false},
          itemStyle: {borderColor: "#fff", areaColor: "#eef3f8"},
          emphasis: {label: {show: true}, itemStyle: {areaColor: "#f59f00"}}
        },
        series: [
          {
            type: "map", geoIndex: 0, name: metric,
            data: withPolygon.map(function (d) { return {name: d.map_feature, value: d[metric], district: d}; })
          },
          {
            type: "scatter", coordinateSystem: "geo", symbolSize: 12, itemStyle: {color: "#d63939"},
            data: markers.map(function (d) {
              return {name: d.name, value: [d.longitude, d.latitude, d[metric]], district: d};
            })
          },
          {
            type: "scatter", coordinateSystem: "geo", symbolSize: 0, silent: true, z: 5,
            label: {
              show: true, formatter: "{b}", fontSize: 11, color: "#1d273b",
              textBorderColor: "#fff", textBorderWidth: 2
            },
            labelLayout: {hideOverlap: true},
            data: labelled.map(function (d) { return {name: d.name, value: [d.longitude, d.latitude]}; })
          }
        ]
      }, true);
    }

    render("schools");
    chart.on("click", function (p) {
      if (p.data && p.data.district && !focus) { window.location = opts.homeUrl + "?unit=" + p.data.district.id; }
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

  document.addEventListener("DOMContentLoaded", function () {
    var config = document.getElementById("chart-config");
    if (!config) { return; }
    init({
      data: JSON.parse(document.getElementById("chart-data").textContent),
      geojsonUrl: config.dataset.geojsonUrl,
      homeUrl: config.dataset.homeUrl,
      labels: {schools: config.dataset.schools, students: config.dataset.students, staff: config.dataset.staff}
    });
  });

  return {init: init};
})();
