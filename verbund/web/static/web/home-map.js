/*
 * The start page's map: one point per member municipality of the alliances, coloured by the status
 * of its (first) alliance, drawn with Leaflet from the data the page embeds with json_script
 * (#vb-home-map-data: a FeatureCollection with "alliances" [slug, name, status] and "colours"
 * status -> colour, the same colours as the legend beside the map). No inline script (CSP), no
 * tile layer unless the operator configured one (data-tile-url). Names go into the DOM as text.
 */
(function () {
  "use strict";

  var LAND_VIEW = { center: [49.95, 7.45], zoom: 7 };
  var MAX_LINKS = 8;

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function popup(properties, alliances, base) {
    var box = element("div", undefined, "vb-map-popup");
    box.appendChild(element("strong", properties.name));
    var list = element("ul");
    properties.alliances.slice(0, MAX_LINKS).forEach(function (index) {
      var alliance = alliances[index];
      var item = element("li");
      var link = element("a", alliance[1], "kern-link");
      link.href = base + encodeURIComponent(alliance[0]) + "/";
      item.appendChild(link);
      list.appendChild(item);
    });
    box.appendChild(list);
    if (properties.alliances.length > MAX_LINKS) {
      box.appendChild(element("div", "+ " + (properties.alliances.length - MAX_LINKS)));
    }
    return box;
  }

  function init(container) {
    var source = document.getElementById(container.dataset.vbHomeMap);
    var data = source ? JSON.parse(source.textContent) :
      { type: "FeatureCollection", alliances: [], colours: {}, features: [] };
    // web/base-map.js: tiles only if configured; the Land, its Kreise and place names underneath
    var map = window.VerbundMap.create(container, { preferCanvas: true });
    var backgroundSource = document.getElementById(container.dataset.background);
    var background = backgroundSource ? JSON.parse(backgroundSource.textContent) : {};
    var land = window.VerbundMap.outlines(map, background.outlines);
    window.VerbundMap.labels(map, background.labels);
    var base = container.dataset.allianceBase;
    var layer = L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, {
          radius: 6, color: "#ffffff", weight: 1,
          fillColor: data.colours[feature.properties.status] || "#4a4d5c", fillOpacity: 0.9
        });
      },
      onEachFeature: function (feature, featureLayer) {
        featureLayer.bindTooltip(element("span", feature.properties.name));
        featureLayer.bindPopup(function () { return popup(feature.properties, data.alliances, base); });
      }
    }).addTo(map);
    if (data.features.length) {
      map.fitBounds(layer.getBounds(), { padding: [16, 16], maxZoom: 10 });
    } else if (land) {
      map.fitBounds(land.getBounds());
    } else {
      map.setView(LAND_VIEW.center, LAND_VIEW.zoom);
    }
    container.dataset.points = String(data.features.length);
    container.classList.add("vb-map--ready");
  }

  function initAll() {
    if (typeof L === "undefined" || !window.VerbundMap) return;
    document.querySelectorAll("[data-vb-home-map]").forEach(init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initAll);
  } else {
    initAll();
  }
})();
