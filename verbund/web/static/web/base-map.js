/*
 * What every map of Verbund shares (window.VerbundMap), loaded before the part's own map script:
 *
 *  - create(container, options): a Leaflet map; the base map only when the operator configured one
 *    (data-tile-url, e.g. basemap.de with VERBUND_MAP_BASEMAP_DE; by default no request leaves the
 *    platform), with its attribution;
 *  - outlines(map, collection): the Land and its Kreise as grey lines under the data (not clickable);
 *  - labels(map, labels): place names from the registry ({name, kind: "kreis"|"stadt", lat, lon});
 *    towns show from zoom 9 on (maps.css), Kreise always.
 *
 * Names go into the DOM as text, never as HTML; no inline script or style (CSP).
 */
(function () {
  "use strict";

  var CLOSE_ZOOM = 9;
  var LAND_STYLE = { color: "#4a4d5c", weight: 2, fill: true, fillColor: "#f3f4f7", fillOpacity: 0.6, interactive: false };
  var KREIS_STYLE = { color: "#8a8fa3", weight: 1, fill: false, interactive: false };

  function create(container, options) {
    var map = L.map(container, Object.assign({ scrollWheelZoom: false }, options || {}));
    if (container.dataset.tileUrl) {
      L.tileLayer(container.dataset.tileUrl, {
        attribution: container.dataset.tileAttribution || "", maxZoom: 18
      }).addTo(map);
    }
    function zoomClass() {
      container.classList.toggle("vb-map--close", map.getZoom() >= CLOSE_ZOOM);
    }
    map.on("zoomend", zoomClass);
    map.whenReady(zoomClass);
    container.vbMap = map; // for the browser tests: what is drawn where
    return map;
  }

  function outlines(map, collection) {
    if (!collection || !collection.features || !collection.features.length) return null;
    return L.geoJSON(collection, {
      style: function (feature) {
        return feature.properties && feature.properties.role === "land" ? LAND_STYLE : KREIS_STYLE;
      }
    }).addTo(map);
  }

  function labels(map, list) {
    if (!list || !list.length) return null;
    var group = L.layerGroup();
    list.forEach(function (label) {
      var text = document.createElement("span");
      text.textContent = label.name;
      var icon = L.divIcon({
        className: "vb-map-label vb-map-label--" + (label.kind === "kreis" ? "kreis" : "stadt"),
        html: text, iconSize: null
      });
      L.marker([label.lat, label.lon], { icon: icon, interactive: false, keyboard: false }).addTo(group);
    });
    return group.addTo(map);
  }

  window.VerbundMap = { create: create, outlines: outlines, labels: labels };
})();
