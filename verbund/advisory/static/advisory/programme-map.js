/*
 * Programme map: one circle per Kreis at its centroid, its area proportional to the inhabitants in
 * the area of the alliances' members, over the outlines of the Land and its Kreise. The same figures
 * stand in the table next to the map. No tile layer unless the operator configured one.
 */
(function () {
  "use strict";

  function number(value) {
    return Number(value).toLocaleString("de-DE");
  }

  function initMap(container) {
    var source = document.getElementById(container.dataset.vbProgramme);
    var points = source ? JSON.parse(source.textContent) : [];
    var map = window.VerbundMap.create(container);
    var backgroundSource = document.getElementById(container.dataset.background);
    var background = backgroundSource ? JSON.parse(backgroundSource.textContent) : {};
    var land = window.VerbundMap.outlines(map, background.outlines);
    window.VerbundMap.labels(map, background.labels);
    var inhabitants = container.dataset.labelInhabitants || "";
    var bodies = container.dataset.labelBodies || "";
    var max = points.reduce(function (m, p) { return Math.max(m, Number(p.inhabitants)); }, 1);
    var layer = L.featureGroup();
    points.forEach(function (p) {
      var radius = 5 + 25 * Math.sqrt(Number(p.inhabitants) / max);
      L.circleMarker([p.lat, p.lon], { radius: radius, color: "#0b3b8c", weight: 1.5, fillColor: "#2f6fd6", fillOpacity: 0.45 })
        .bindTooltip(p.name + ": " + number(p.inhabitants) + " " + inhabitants + ", " + number(p.bodies) + " " + bodies)
        .addTo(layer);
    });
    layer.addTo(map);
    var bounds = layer.getBounds();
    if (land) bounds = bounds.extend(land.getBounds());
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 10 });
    container.classList.add("vb-map--ready");
  }

  function initAll() {
    if (typeof L === "undefined" || !window.VerbundMap) return;
    document.querySelectorAll("[data-vb-programme]").forEach(initMap);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initAll);
  } else {
    initAll();
  }
})();
