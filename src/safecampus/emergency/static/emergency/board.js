/* The command board: open incidents on a list and the district map, a visible and audible
   alert on a new alarm, the selected incident's panel (htmx) beside them.

   Live over WebSocket (/ws/emergency/board/?after=<last id>): on every (re)connect the server
   replays what the board missed. When the WebSocket cannot be opened the board polls the same
   feed over HTTP every 2 s, and keeps trying the WebSocket. Lines are applied once, by id.

   A line is built once on the server for every board, so it carries codes (incident type,
   severity, status, kind); the page shows them with the label table the server rendered in the
   page's language (opts.codes, emergency.selectors.board_labels).

   The page gives the rest in data- attributes (#board-config, #board-text: the Content Security
   Policy runs no inline script), and this file starts the board itself. */
window.SafeCampusBoard = (function () {
  "use strict";

  var POLL_MS = 2000, SIREN_EVERY_MS = 4000, MAX_BACKOFF_MS = 10000, WS_FAILS_BEFORE_POLL = 2;
  var opts, cursor = 0, seen = new Set(), incidents = new Map(), selected = null;
  var ws = null, wsFails = 0, backoff = 1000, pollTimer = null, mode = "connecting";
  var audio = null, muted = false, sirenTimer = null, chart = null, title = document.title;
  var api = {sounds: 0, alerts: 0, mode: function () { return mode; }, cursor: function () { return cursor; }};

  function $(id) { return document.getElementById(id); }

  // The label of a code in the page's language (the code itself if the table lacks it).
  function label(table, code) {
    var labels = opts.codes[table] || {};
    return Object.prototype.hasOwnProperty.call(labels, code) ? labels[code] : String(code);
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }

  // --- connection -------------------------------------------------------------------------------

  function setMode(next) {
    mode = next;
    var el = $("board-connection");
    el.dataset.mode = next;
    el.textContent = opts.labels[next] || next;
    el.className = "badge " + ({live: "bg-green-lt", polling: "bg-yellow-lt", offline: "bg-red-lt"}[next] || "bg-secondary-lt");
  }

  function wsUrl() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + location.host + opts.wsPath + "?after=" + cursor;
  }

  function connect() {
    var opened = false;
    try { ws = new WebSocket(wsUrl()); } catch (e) { return failed(); }
    ws.onopen = function () { opened = true; wsFails = 0; backoff = 1000; stopPolling(); setMode("live"); };
    ws.onmessage = function (m) {
      var data = JSON.parse(m.data);  // a line, or the lines of a burst in one frame
      (Array.isArray(data) ? data : [data]).forEach(receive);
    };
    ws.onclose = function () {
      ws = null;
      if (!opened) { return failed(); }
      setMode("offline");
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    };
  }

  function failed() {
    wsFails += 1;
    if (wsFails >= WS_FAILS_BEFORE_POLL) { startPolling(); } else { setMode("offline"); }
    setTimeout(connect, wsFails >= WS_FAILS_BEFORE_POLL ? 15000 : backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }

  function startPolling() {
    setMode("polling");
    if (pollTimer) { return; }
    var poll = function () {
      fetch(opts.pollUrl + "?after=" + cursor, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (feed) { feed.events.forEach(receive); })
        .catch(function () { setMode("offline"); })
        .finally(function () { if (pollTimer) { pollTimer = setTimeout(poll, POLL_MS); } });
    };
    pollTimer = setTimeout(poll, 0);
  }

  function stopPolling() { if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; } }

  // --- events -----------------------------------------------------------------------------------

  function receive(ev) {
    if (ev.kind === "hello" || ev.kind === "pong" || seen.has(ev.id)) { return; }
    seen.add(ev.id);
    cursor = Math.max(cursor, ev.id);
    var inc = ev.incident, known = incidents.get(inc.id);
    inc.fresh = (known && known.fresh) || ev.alert !== null;
    if (inc.status === "resolved" || inc.status === "closed") { incidents.delete(inc.id); } else { incidents.set(inc.id, inc); }
    render();
    if (ev.alert && sounds(ev)) { alert(ev); }
    if (selected === inc.id) { loadPanel(inc.id); }
    document.dispatchEvent(new CustomEvent("board:event", {detail: ev}));
  }

  // A district board sounds every alarm of its schools. The city's board watches ~1,600 schools:
  // it sounds what was escalated to it (nobody took it in time) and the gravest grades (Ⅰ, Ⅱ);
  // the rest shows on its list and map without the siren.
  function sounds(ev) {
    return opts.level !== "city" || ev.kind === "escalated" || ev.incident.severity <= 2;
  }

  function alert(ev) {
    var inc = ev.incident;
    api.alerts += 1;
    var title = (ev.kind === "escalated" ? opts.labels.escalated : opts.labels.newAlarm) +
      (inc.is_drill ? opts.labels.drillSuffix : "");
    $("board-alert-title").textContent = format(opts.labels.alertTitle,
      {alert: title, school: inc.school, type: label("incident_type", inc.incident_type)});
    $("board-alert-text").textContent = [inc.district, inc.place, inc.raised_at.slice(11, 19)].filter(Boolean).join(" · ");
    var box = $("board-alert");
    box.classList.remove("d-none"); box.classList.add("d-flex");
    box.className = box.className.replace(/alert-(danger|info)/, inc.is_drill ? "alert-info" : "alert-danger");
    box.dataset.incident = inc.id;
    muted = false;
    document.title = "🔴 " + title + " · " + inc.school;
    beep(ev.alert === "siren" ? 1.6 : 0.4);
    if (ev.alert === "siren") { keepSounding(); }
  }

  // --- sound (Web Audio: no file to load, works offline) ----------------------------------------

  function audioReady() {
    if (!audio) {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) { return false; }
      audio = new Ctx();
    }
    return audio.state === "running";
  }

  function beep(seconds) {
    if (muted || !audioReady()) { return; }
    var t = audio.currentTime, osc = audio.createOscillator(), gain = audio.createGain();
    osc.type = "sawtooth";
    // A two-tone siren: 650 Hz ↔ 1000 Hz every 0.4 s.
    for (var s = 0; s < seconds; s += 0.4) {
      osc.frequency.setValueAtTime(650, t + s);
      osc.frequency.linearRampToValueAtTime(1000, t + s + 0.2);
      osc.frequency.linearRampToValueAtTime(650, t + s + 0.4);
    }
    gain.gain.setValueAtTime(0.18, t);
    gain.gain.setValueAtTime(0, t + seconds);
    osc.connect(gain).connect(audio.destination);
    osc.start(t); osc.stop(t + seconds + 0.05);
    api.sounds += 1;
    $("board-sound").dataset.sounds = api.sounds;
  }

  function keepSounding() {
    if (sirenTimer) { return; }
    sirenTimer = setInterval(function () {
      var waiting = Array.from(incidents.values()).some(function (i) { return i.status === "raised" && !i.is_drill; });
      if (!waiting || muted) { clearInterval(sirenTimer); sirenTimer = null; return; }
      beep(1.6);
    }, SIREN_EVERY_MS);
  }

  function soundButton() {
    var on = audioReady();
    var b = $("board-sound");
    b.textContent = on ? opts.labels.soundOn : opts.labels.soundOff;
    b.setAttribute("aria-pressed", on ? "true" : "false");
    b.className = "btn " + (on ? "btn-green" : "btn-warning");
  }

  // --- drawing ----------------------------------------------------------------------------------

  function ordered() {
    return Array.from(incidents.values()).sort(function (a, b) {
      return (a.status === "raised" ? 0 : 1) - (b.status === "raised" ? 0 : 1) ||
        a.severity - b.severity || (a.raised_at < b.raised_at ? 1 : -1);
    });
  }

  function text(tag, cls, value) {
    var el = document.createElement(tag);
    if (cls) { el.className = cls; }
    el.textContent = value;
    return el;
  }

  function render() {
    var list = $("board-list"), rows = ordered();
    list.replaceChildren();
    rows.forEach(function (inc) {
      var item = document.createElement("a");
      item.href = inc.url;
      item.className = "list-group-item list-group-item-action" + (inc.id === selected ? " active" : "") + (inc.fresh ? " sc-new" : "");
      item.dataset.incident = inc.id;
      item.dataset.status = inc.status;
      var top = document.createElement("div");
      top.className = "d-flex align-items-center gap-2";
      top.append(text("span", "badge bg-" + inc.status_colour + (inc.status === "raised" ? " sc-blink" : "-lt"), label("status", inc.status)));
      top.append(text("strong", "flex-fill text-truncate", inc.school));
      if (inc.is_drill) { top.append(text("span", "badge bg-azure-lt", opts.labels.drill)); }
      item.append(top);
      item.append(text("div", "", label("incident_type", inc.incident_type) + " · " + label("severity", inc.severity)));
      item.append(text("div", "text-secondary small", [inc.district, inc.place, inc.raised_at.slice(5, 16).replace("T", " ")].filter(Boolean).join(" · ")));
      item.addEventListener("click", function (e) { e.preventDefault(); select(inc.id); });
      list.append(item);
    });
    $("board-empty").classList.toggle("d-none", rows.length > 0);
    $("board-open").textContent = rows.length;
    $("board-raised").textContent = rows.filter(function (i) { return i.status === "raised"; }).length;
    drawMap(rows);
  }

  function drawMap(rows) {
    if (!chart) { return; }
    var colours = {1: "#d63939", 2: "#f76707", 3: "#f59f00", 4: "#4263eb"};
    var located = rows.filter(function (i) { return i.longitude !== null; });
    var point = function (i) {
      // Waiting for someone to take it: red whatever its grade; then the grade's colour.
      var colour = i.is_drill ? "#4299e1" : i.status === "raised" ? "#d63939" : colours[i.severity];
      return {name: i.school, value: [i.longitude, i.latitude], incident: i, itemStyle: {color: colour}};
    };
    chart.setOption({series: [
      {id: "waiting", data: located.filter(function (i) { return i.status === "raised"; }).map(point)},
      {id: "taken", data: located.filter(function (i) { return i.status !== "raised"; }).map(point)}
    ]});
  }

  function initMap(geojson) {
    if (opts.focus) {
      geojson = {type: "FeatureCollection", features: geojson.features.filter(function (f) { return f.properties.name === opts.focus; })};
    }
    echarts.registerMap("safecampus-board", geojson);
    chart = echarts.init($("board-map"));
    chart.setOption({
      tooltip: {trigger: "item", formatter: function (p) {
        var i = p.data && p.data.incident;
        var html = echarts.format.encodeHTML;  // a school's name is data, not markup
        return i ? "<b>" + html(i.school) + "</b><br>" + html(label("incident_type", i.incident_type) + " · " + label("status", i.status)) : html(p.name);
      }},
      geo: {map: "safecampus-board", roam: true, layoutCenter: ["50%", "50%"], layoutSize: "95%",
        label: {show: true, fontSize: 10, color: "#667382"},
        itemStyle: {borderColor: "#fff", areaColor: "#eef3f8"}, emphasis: {itemStyle: {areaColor: "#dce7f3"}}},
      series: [
        {id: "waiting", type: "effectScatter", coordinateSystem: "geo", symbolSize: 16,
          rippleEffect: {scale: 4, brushType: "stroke"}, data: []},
        {id: "taken", type: "scatter", coordinateSystem: "geo", symbolSize: 12, data: []}
      ]
    });
    chart.on("click", function (p) { if (p.data && p.data.incident) { select(p.data.incident.id); } });
    window.addEventListener("resize", function () { chart.resize(); });
    render();
  }

  // --- the incident panel -----------------------------------------------------------------------

  function select(id) {
    selected = id;
    var inc = incidents.get(id);
    if (inc) { inc.fresh = false; }
    render();
    loadPanel(id);
  }

  function loadPanel(id) {
    htmx.ajax("GET", opts.panelUrl.replace(/0\/$/, id + "/"), {target: "#board-panel", swap: "innerHTML"});
  }

  // --- start ------------------------------------------------------------------------------------

  function init(o) {
    opts = o;
    cursor = o.data.cursor;
    o.data.incidents.forEach(function (i) { incidents.set(i.id, i); });
    render();
    soundButton();
    $("board-sound").addEventListener("click", function () {
      audioReady();
      if (audio) { audio.resume().then(soundButton); }
      muted = false;
    });
    $("board-alert-mute").addEventListener("click", function () { muted = true; });
    $("board-alert-open").addEventListener("click", function () {
      var box = $("board-alert");
      box.classList.add("d-none"); box.classList.remove("d-flex");
      document.title = title;
      select(Number(box.dataset.incident));
    });
    if (window.echarts) {
      fetch(o.geojsonUrl).then(function (r) { return r.json(); }).then(initMap).catch(function () {});
    }
    if (window.WebSocket) { connect(); } else { startPolling(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var config = $("board-config");
    if (!config) { return; }
    init({
      data: JSON.parse($("board-data").textContent),
      codes: JSON.parse($("board-labels").textContent),
      wsPath: config.dataset.wsPath,
      pollUrl: config.dataset.pollUrl,
      panelUrl: config.dataset.panelUrl,
      geojsonUrl: config.dataset.geojsonUrl,
      focus: config.dataset.focus,
      level: config.dataset.level,
      labels: Object.assign({}, $("board-text").dataset)
    });
  });

  api.init = init;
  return api;
})();
