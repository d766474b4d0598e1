/*
 * Map of a plan: every body's centroid as a circle coloured by its group, the hosts larger with a
 * dark ring, thin lines from each member to its host. The data is the FeatureCollection the page
 * embeds with json_script (no further request); Canvas rendering keeps 2,300 points fast. No tile
 * layer unless the operator configured one (VERBUND_MAP_TILE_URL).
 */
(function () {
  "use strict";

  function readFeatures(container) {
    var source = document.getElementById(container.dataset.vbPlanMap);
    if (!source) return { type: "FeatureCollection", features: [] };
    return JSON.parse(source.textContent);
  }

  function initMap(container) {
    var data = readFeatures(container);
    var map = L.map(container, { scrollWheelZoom: false, preferCanvas: true });
    if (container.dataset.tileUrl) {
      L.tileLayer(container.dataset.tileUrl, {
        attribution: container.dataset.tileAttribution || "",
        maxZoom: 18
      }).addTo(map);
    }
    // Set the view before adding anything: the Canvas renderer draws only on a map that has one.
    if (data.features.length) {
      map.fitBounds(L.geoJSON(data).getBounds(), { padding: [12, 12] });
    } else {
      map.setView([50.0, 7.5], 7);
    }
    var hosts = {};
    data.features.forEach(function (f) {
      if (f.properties.host && f.properties.size > 1) hosts[f.properties.group] = f.geometry.coordinates;
    });
    var lines = L.layerGroup().addTo(map);
    data.features.forEach(function (f) {
      var host = hosts[f.properties.group];
      if (host && !f.properties.host) {
        var c = f.geometry.coordinates;
        L.polyline([[c[1], c[0]], [host[1], host[0]]], {
          color: f.properties.colour, weight: 1.5, opacity: 0.7, interactive: false
        }).addTo(lines);
      }
    });
    var points = L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var p = feature.properties;
        return L.circleMarker(latlng, {
          radius: p.host && p.size > 1 ? 7 : (p.size > 1 ? 4.5 : 3),
          color: p.host && p.size > 1 ? "#131525" : p.colour,
          weight: p.host && p.size > 1 ? 2.5 : 1,
          fillColor: p.colour,
          fillOpacity: p.size > 1 ? 0.9 : 0.5
        });
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        // the words come translated from the page (data-text-*), German if missing
        var words = container.dataset;
        var group = words.textGroup || "Gruppe", host = words.textHost || "Gastgeber", alone = words.textAlone || "allein";
        var text = p.name + (p.size > 1 ? " – " + group + " " + p.group + (p.host ? " (" + host + ")" : "") : " – " + alone);
        layer.bindTooltip(text, { sticky: true });
      }
    }).addTo(map);
    container.classList.add("vb-map--ready");
  }

  function initAll() {
    if (typeof L === "undefined") return;
    document.querySelectorAll("[data-vb-plan-map]").forEach(initMap);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initAll);
  } else {
    initAll();
  }
})();
