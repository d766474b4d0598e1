/*
 * Portfolio map: one circle per applicant body at its centroid, its area proportional to the sum of
 * the grants, from the points the page embeds with json_script, over the outlines of the Land and
 * its Kreise with their names (data-background). No tile layer unless the operator configured one
 * (VERBUND_MAP_BASEMAP_DE, VERBUND_MAP_TILE_URL): by default no request leaves the platform.
 */
(function () {
  "use strict";

  function formatEur(value) {
    return Number(value).toLocaleString("de-DE", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " EUR";
  }

  function initMap(container) {
    var source = document.getElementById(container.dataset.vbPortfolio);
    var points = source ? JSON.parse(source.textContent) : [];
    var map = window.VerbundMap.create(container); // web/base-map.js: tiles only if configured
    // The Land and its Kreise under the circles, and the names of Kreise and towns (registry).
    var backgroundSource = document.getElementById(container.dataset.background);
    var background = backgroundSource ? JSON.parse(backgroundSource.textContent) : {};
    var land = window.VerbundMap.outlines(map, background.outlines);
    window.VerbundMap.labels(map, background.labels);
    // The words come from the page, in its language (data-label-one / data-label-many).
    var one = container.dataset.labelOne || "Bewilligung";
    var many = container.dataset.labelMany || "Bewilligungen";
    var max = points.reduce(function (m, p) { return Math.max(m, Number(p.total)); }, 1);
    var layer = L.featureGroup();
    points.forEach(function (p) {
      var radius = 6 + 24 * Math.sqrt(Number(p.total) / max);
      L.circleMarker([p.lat, p.lon], { radius: radius, color: "#0b3b8c", weight: 1.5, fillColor: "#2f6fd6", fillOpacity: 0.45 })
        .bindTooltip(p.name + ": " + formatEur(p.total) + " (" + p.count + " " + (p.count === 1 ? one : many) + ")")
        .addTo(layer);
    });
    layer.addTo(map);
    if (points.length) {
      // the whole Land in view, so that the circles have their place in it
      var bounds = layer.getBounds();
      if (land) bounds = bounds.extend(land.getBounds());
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 10 });
    } else {
      map.setView([49.9, 7.4], 7);
    }
    container.classList.add("vb-map--ready");
  }

  function initAll() {
    if (typeof L === "undefined" || !window.VerbundMap) return;
    document.querySelectorAll("[data-vb-portfolio]").forEach(initMap);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initAll);
  } else {
    initAll();
  }
})();
