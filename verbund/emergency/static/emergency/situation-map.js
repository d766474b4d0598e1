/*
 * The situation map of an event: areas and lines as shapes coloured by their kind, every object
 * marked with its tactical symbol (an SVG drawn on the server, data: URL in properties.icon) at its
 * point or the middle of its shape; the label as a tooltip (text, never HTML). The data is the
 * FeatureCollection the page embeds with json_script; the table under the map holds the same.
 *
 * Messages (properties.kind "nachricht": screened messages with a place) are a layer of their own,
 * "Meldungen" (switchable in the layer control): a marker in the priority's colour with the number;
 * the popup names the priority, the number and the subject and links to the message. The layers are
 * kept on the container (container.vbLayers) for the browser tests.
 *
 * The replay: the slider steps through the moments the map changed and submits the page's form
 * (?zeitpunkt=…), so the server draws the state of that moment; without JavaScript the date and
 * time field does the same. No inline script or style (CSP).
 */
(function () {
  "use strict";

  var SHAPE_STYLE = {
    gebiet: { color: "#c25e00", weight: 2, dashArray: "6 4", fillColor: "#f18700", fillOpacity: 0.15 },
    schaden: { color: "#c00000", weight: 3, fillColor: "#e30613", fillOpacity: 0.2 },
    kraft: { color: "#003399", weight: 3, fillOpacity: 0.1 },
    einrichtung: { color: "#8a6d00", weight: 2, fillColor: "#ffed00", fillOpacity: 0.2 },
    sonstiges: { color: "#4a4d5c", weight: 2, fillOpacity: 0.1 }
  };

  function readJson(id, fallback) {
    var source = document.getElementById(id);
    if (!source) return fallback;
    try {
      return JSON.parse(source.textContent);
    } catch (e) {
      return fallback;
    }
  }

  function tooltip(p) {
    var box = document.createElement("span");
    var title = document.createElement("strong");
    title.textContent = p.label;
    box.appendChild(title);
    var kind = document.createElement("span");
    kind.textContent = " – " + p.kind_label + (p.symbol_label ? " (" + p.symbol_label + ")" : "");
    box.appendChild(kind);
    return box;
  }

  function symbolMarker(feature) {
    var p = feature.properties;
    var at = p.anchor;
    if (!at) return null;
    var img = document.createElement("img");
    img.src = p.icon;
    img.alt = "";
    var icon = L.divIcon({ className: "vb-situation-icon", html: img, iconSize: [45, 30], iconAnchor: [22, 15] });
    var marker = L.marker([at[0], at[1]], { icon: icon, keyboard: false, title: "" });
    marker.bindTooltip(tooltip(p), { direction: "top", offset: [0, -12] });
    return marker;
  }

  var MESSAGE_KIND = "nachricht";

  function messagePopup(p, openText) {
    var box = document.createElement("div");
    box.className = "vb-situation-message__popup";
    var head = document.createElement("strong");
    head.textContent = p.priority_label + " · " + p.label; // label: number and subject, translated
    box.appendChild(head);
    if (p.place) {
      var place = document.createElement("p");
      place.textContent = p.place;
      box.appendChild(place);
    }
    var link = document.createElement("a");
    link.className = "kern-link";
    link.href = p.path;
    link.textContent = openText || p.label;
    box.appendChild(link);
    return box;
  }

  function messageMarker(feature, openText) {
    var p = feature.properties;
    var at = p.anchor;
    if (!at) return null;
    var img = document.createElement("img");
    img.src = p.icon;
    img.alt = "";
    var icon = L.divIcon({
      className: "vb-situation-message vb-situation-message--" + p.priority,
      html: img,
      iconSize: [44, 34],
      iconAnchor: [10, 32],
      popupAnchor: [12, -30]
    });
    var marker = L.marker([at[0], at[1]], { icon: icon, keyboard: true, title: p.priority_label + " · " + p.label });
    marker.feature = feature;
    var tip = document.createElement("span");
    tip.textContent = p.priority_label + " · " + p.label;
    marker.bindTooltip(tip, { direction: "top", offset: [12, -30] });
    marker.bindPopup(messagePopup(p, openText));
    return marker;
  }

  function initMap(container) {
    var data = readJson(container.dataset.vbSituationMap, { type: "FeatureCollection", features: [] });
    var map = window.VerbundMap ? window.VerbundMap.create(container) : L.map(container, { scrollWheelZoom: false });
    var objects = data.features.filter(function (f) { return f.properties.kind !== MESSAGE_KIND; });
    var reports = data.features.filter(function (f) { return f.properties.kind === MESSAGE_KIND; });
    var shapes = L.geoJSON(
      { type: "FeatureCollection", features: objects.filter(function (f) { return f.geometry.type !== "Point"; }) },
      {
        style: function (f) { return SHAPE_STYLE[f.properties.kind] || SHAPE_STYLE.sonstiges; },
        onEachFeature: function (f, layer) { layer.bindTooltip(tooltip(f.properties), { sticky: true }); }
      }
    );
    var markers = L.layerGroup();
    objects.forEach(function (f) {
      var marker = symbolMarker(f);
      if (marker) marker.addTo(markers);
    });
    var messages = L.layerGroup();
    reports.forEach(function (f) {
      var marker = messageMarker(f, container.dataset.textOpen);
      if (marker) marker.addTo(messages);
    });
    var bounds = L.latLngBounds([]);
    if (data.features.length) bounds.extend(L.geoJSON(data).getBounds());
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 });
    } else if (container.dataset.centerLat) {
      map.setView([parseFloat(container.dataset.centerLat), parseFloat(container.dataset.centerLon)], 11);
    } else {
      map.setView([49.9, 7.4], 8); // Rhineland-Palatinate
    }
    var objectLayer = L.layerGroup([shapes, markers]).addTo(map);
    messages.addTo(map);
    var overlays = {};
    overlays[container.dataset.layerObjects || "Objekte"] = objectLayer;
    overlays[container.dataset.layerMessages || "Meldungen"] = messages;
    L.control.layers(null, overlays, { collapsed: false }).addTo(map);
    container.vbLayers = { objects: markers, shapes: shapes, messages: messages };
    container.classList.add("vb-map--ready");
  }

  function initReplay(form) {
    var slider = form.querySelector("[data-vb-replay-slider]");
    var moments = readJson("vb-replay-moments", []);
    if (!slider || !moments.length) return;
    var range = slider.querySelector("input[type=range]");
    var text = slider.querySelector("[aria-live]");
    var field = form.querySelector("input[type=datetime-local]");
    var current = field.value;
    // the slider starts at the moment shown (the last change at or before it), or at "now"
    var position = moments.length;
    if (form.dataset.vbReplay === "past") {
      position = 0;
      for (var i = 0; i < moments.length; i++) {
        if (moments[i].value.slice(0, current.length) <= current) position = i;
      }
    }
    range.value = String(position);
    function describe() {
      var index = parseInt(range.value, 10);
      text.textContent = index >= moments.length ? text.dataset.textNow : moments[index].text;
    }
    range.addEventListener("input", describe);
    range.addEventListener("change", function () {
      var index = parseInt(range.value, 10);
      if (index >= moments.length) {
        field.value = "";
        field.disabled = true; // no parameter: the current state
      } else {
        field.value = moments[index].value;
      }
      form.submit();
    });
    describe();
    slider.hidden = false;
  }

  function initAll() {
    document.querySelectorAll("[data-vb-replay]").forEach(initReplay);
    if (typeof L === "undefined") return;
    document.querySelectorAll("[data-vb-situation-map]").forEach(initMap);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initAll);
  } else {
    initAll();
  }
})();
