/*
 * Maps of the alliance pages, drawn with Leaflet from data the page embeds with json_script (no
 * inline script, no further request):
 *
 *  - [data-vb-alliance-map]: an alliance's members, their boundaries (or centroids) as a
 *    FeatureCollection; the lead member darker.
 *  - [data-vb-directory-map]: the directory, one point per member body coloured by its (first)
 *    alliance (data.alliance_colours, one per alliance, named in the HTML legend beside the map);
 *    the Kreise and place names of the registry underneath; the popup links to every alliance of that body. The data lies inside the HTMX
 *    results, so the points are redrawn whenever the filters replace the results.
 *
 * No tile layer unless the operator configured one (data-tile-url): by default no request goes to
 * a third party. Names are put into the DOM as text, never as HTML.
 */
(function () {
  "use strict";

  var LAND_VIEW = { center: [49.95, 7.45], zoom: 7 };
  var MEMBER_STYLE = { color: "#0b3b8c", weight: 2, fillColor: "#2f6fd6", fillOpacity: 0.3 };
  var LEAD_STYLE = { color: "#071f4a", weight: 3, fillColor: "#0b3b8c", fillOpacity: 0.45 };

  function readJson(id) {
    var source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  function baseMap(container, options) {
    return window.VerbundMap.create(container, options); // web/base-map.js: tiles only if configured
  }

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function link(href, text) {
    var a = element("a", text, "kern-link");
    a.href = href;
    return a;
  }

  /* --- one alliance ------------------------------------------------------------------------- */

  function memberPopup(properties) {
    var box = element("div", undefined, "vb-map-popup");
    box.appendChild(link(properties.url, properties.name));
    box.appendChild(element("div", properties.kind + (properties.role !== "mitglied" ? ", " + properties.role_label : "")));
    return box;
  }

  function initAllianceMap(container) {
    var data = readJson(container.dataset.vbAllianceMap) || { type: "FeatureCollection", features: [] };
    var map = baseMap(container);
    window.VerbundMap.labels(map, data.labels);
    var layer = L.geoJSON(data, {
      style: function (feature) {
        return feature.properties.role === "federfuehrend" ? LEAD_STYLE : MEMBER_STYLE;
      },
      pointToLayer: function (feature, latlng) {
        var style = feature.properties.role === "federfuehrend" ? LEAD_STYLE : MEMBER_STYLE;
        return L.circleMarker(latlng, { radius: 8, color: style.color, fillColor: style.fillColor, fillOpacity: 0.8 });
      },
      onEachFeature: function (feature, featureLayer) {
        featureLayer.bindTooltip(element("span", feature.properties.name), { sticky: true });
        featureLayer.bindPopup(memberPopup(feature.properties));
      }
    }).addTo(map);
    if (data.features.length) {
      map.fitBounds(layer.getBounds(), { padding: [12, 12], maxZoom: 12 });
    } else {
      map.setView(LAND_VIEW.center, LAND_VIEW.zoom);
    }
    container.classList.add("vb-map--ready");
  }

  /* --- the directory ------------------------------------------------------------------------ */

  var MAX_LINKS = 8;

  function directoryPopup(properties, alliances, base, more) {
    var box = element("div", undefined, "vb-map-popup");
    box.appendChild(element("strong", properties.name));
    var list = element("ul");
    properties.alliances.slice(0, MAX_LINKS).forEach(function (index) {
      var item = element("li");
      var alliance = alliances[index];
      item.appendChild(link(base + encodeURIComponent(alliance[0]) + "/", alliance[1]));
      list.appendChild(item);
    });
    box.appendChild(list);
    if (properties.alliances.length > MAX_LINKS) {
      // "more" comes from the page in its language (data-label-more, "__N__" stands for the number).
      var rest = String(properties.alliances.length - MAX_LINKS);
      box.appendChild(element("div", (more || "und __N__ weitere").replace("__N__", rest)));
    }
    return box;
  }

  function drawDirectory(state) {
    var data = readJson(state.container.dataset.vbDirectoryMap) ||
      { type: "FeatureCollection", alliances: [], features: [] };
    if (state.layer) state.map.removeLayer(state.layer);
    if (!state.outlines && data.outlines && data.outlines.features.length) {
      // The Kreise as a background and their names (they do not change with the filters).
      state.outlines = window.VerbundMap.outlines(state.map, data.outlines);
      window.VerbundMap.labels(state.map, data.labels);
    }
    // One colour per alliance shown (the legend beside the map names them, same order).
    var colours = data.alliance_colours || [];
    var base = state.container.dataset.allianceBase;
    state.layer = L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var colour = colours[feature.properties.alliances[0]] || "#4a4d5c";
        return L.circleMarker(latlng, {
          radius: 6, color: "#ffffff", weight: 1, fillColor: colour, fillOpacity: 0.9
        });
      },
      onEachFeature: function (feature, featureLayer) {
        featureLayer.bindTooltip(element("span", feature.properties.name));
        featureLayer.bindPopup(function () {
          return directoryPopup(feature.properties, data.alliances, base, state.container.dataset.labelMore);
        });
      }
    }).addTo(state.map);
    if (data.features.length) {
      state.map.fitBounds(state.layer.getBounds(), { padding: [16, 16], maxZoom: 11 });
    } else if (state.outlines) {
      state.map.fitBounds(state.outlines.getBounds());
    } else {
      state.map.setView(LAND_VIEW.center, LAND_VIEW.zoom);
    }
  }

  function initDirectoryMap(container) {
    // Canvas: a thousand alliances are a few thousand points, too many SVG nodes.
    var state = {
      container: container, map: baseMap(container, { preferCanvas: true }), layer: null, outlines: null
    };
    drawDirectory(state);
    container.classList.add("vb-map--ready");
    document.body.addEventListener("htmx:afterSettle", function (event) {
      var target = event.detail && event.detail.target;
      if (target && target.id === "vb-results") drawDirectory(state);
    });
  }

  function initAll() {
    if (typeof L === "undefined" || !window.VerbundMap) return;
    document.querySelectorAll("[data-vb-alliance-map]").forEach(initAllianceMap);
    document.querySelectorAll("[data-vb-directory-map]").forEach(initDirectoryMap);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initAll);
  } else {
    initAll();
  }
})();
