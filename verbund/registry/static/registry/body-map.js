/*
 * Map of a body's page: its boundary and its neighbours' boundaries from the FeatureCollection that
 * the page embeds with json_script (no inline script, no further request), drawn with Leaflet.
 * No tile layer unless the operator configured one (VERBUND_MAP_TILE_URL): the default sends no
 * request to a third party. Without a boundary the body's centroid is marked instead.
 */
(function () {
  "use strict";

  var BODY_STYLE = { color: "#0b3b8c", weight: 3, fillColor: "#2f6fd6", fillOpacity: 0.35 };
  var NEIGHBOUR_STYLE = { color: "#4a4d5c", weight: 1.5, fillColor: "#a9adbd", fillOpacity: 0.25 };

  function readFeatures(container) {
    var source = document.getElementById(container.dataset.vbMap);
    if (!source) return { type: "FeatureCollection", features: [] };
    return JSON.parse(source.textContent);
  }

  function initMap(container) {
    var data = readFeatures(container);
    var map = L.map(container, { scrollWheelZoom: false });
    if (container.dataset.tileUrl) {
      L.tileLayer(container.dataset.tileUrl, {
        attribution: container.dataset.tileAttribution || "",
        maxZoom: 18
      }).addTo(map);
    }
    var layer = L.geoJSON(data, {
      style: function (feature) {
        return feature.properties.role === "body" ? BODY_STYLE : NEIGHBOUR_STYLE;
      },
      onEachFeature: function (feature, featureLayer) {
        featureLayer.bindTooltip(feature.properties.name, { sticky: true });
        if (feature.properties.role !== "body" && feature.properties.url) {
          featureLayer.on("click", function () {
            window.location.href = feature.properties.url;
          });
        }
      }
    }).addTo(map);

    var lat = parseFloat(container.dataset.lat);
    var lon = parseFloat(container.dataset.lon);
    if (data.features.length) {
      map.fitBounds(layer.getBounds(), { padding: [12, 12] });
    } else if (!isNaN(lat) && !isNaN(lon)) {
      L.circleMarker([lat, lon], { radius: 8, color: BODY_STYLE.color, fillOpacity: 0.8 }).addTo(map);
      map.setView([lat, lon], 11);
    } else {
      map.setView([50.0, 7.5], 7);
    }
    container.classList.add("vb-map--ready");
  }

  function initAll() {
    if (typeof L === "undefined") return;
    document.querySelectorAll("[data-vb-map]").forEach(initMap);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initAll);
  } else {
    initAll();
  }
})();
