// roadsense live map: vector tiles and hazards from roadsense-tiles (same origin), live updates
// from its Server-Sent Events. No external resources: no basemap, no fonts, no CDN.
'use strict';

const params = new URLSearchParams(location.search);
const [lat, lon] = (params.get('center') || '48.137,11.575').split(',').map(Number);
const startZoom = Number(params.get('zoom') || 13);
const tileUrl = `${location.origin}/tiles/{z}/{x}/{y}.mvt`;

const HAZARD_COLORS = {
  slippery_road: '#1f78b4', fog: '#7f7f7f', breakdown: '#ff7f00', emergency_braking: '#e31a1c',
  accident: '#b10026', roadworks: '#ffb000', heavy_rain: '#33a0ff', obstacle: '#6a3d9a',
  end_of_queue: '#d95f02', unknown: '#444444',
};

// What the browser test (tests/tiles/browser/map_test.mjs) reads.
const state = { events: 0, tileRefreshes: 0, hazardMarkers: 0, hazardIds: [], bucket: null };
window.roadsense = state;

const map = new maplibregl.Map({
  container: 'map',
  center: [lon, lat],
  zoom: startZoom,
  maxZoom: 19,
  attributionControl: false,
  style: {
    version: 8,
    sources: {
      grid: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
      roadsense: { type: 'vector', tiles: [tileUrl], minzoom: 0, maxzoom: 16 },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#f3f1ec' } },
      { id: 'grid', type: 'line', source: 'grid',
        paint: { 'line-color': '#d6d2c8', 'line-width': 1 } },
      { id: 'traffic', type: 'fill', source: 'roadsense', 'source-layer': 'traffic',
        paint: {
          'fill-color': ['interpolate', ['linear'], ['coalesce', ['get', 'mean_speed_kmh'], 0],
            0, '#b2182b', 20, '#ef8a62', 40, '#fddb63', 60, '#91cf60', 90, '#1a9850'],
          'fill-opacity': 0.65,
        } },
      { id: 'traffic-outline', type: 'line', source: 'roadsense', 'source-layer': 'traffic',
        paint: { 'line-color': 'rgba(0,0,0,0.15)', 'line-width': 0.5 } },
      { id: 'weather', type: 'fill', source: 'roadsense', 'source-layer': 'weather',
        layout: { visibility: 'none' },
        paint: {
          'fill-color': '#2b6cff',
          'fill-opacity': ['interpolate', ['linear'],
            ['/', ['coalesce', ['get', 'wipers_on'], 0], ['max', 1, ['get', 'weather_reports']]],
            0, 0.05, 1, 0.6],
        } },
      { id: 'signs', type: 'circle', source: 'roadsense', 'source-layer': 'signs', minzoom: 12,
        paint: { 'circle-radius': 4, 'circle-color': '#ffffff', 'circle-stroke-color': '#d7191c',
                 'circle-stroke-width': 2 } },
    ],
  },
});
window.roadsenseMap = map;
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
map.addControl(new maplibregl.ScaleControl(), 'bottom-right');

// ------------------------------------------------------------------ base: a plain graticule
function updateGrid() {
  const b = map.getBounds();
  const z = map.getZoom();
  const step = z >= 15 ? 0.001 : z >= 12 ? 0.01 : z >= 9 ? 0.1 : 1;
  const features = [];
  const w = Math.floor(b.getWest() / step) * step, e = b.getEast();
  const s = Math.floor(b.getSouth() / step) * step, n = b.getNorth();
  for (let x = w; x <= e && features.length < 400; x += step) {
    features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [[x, s], [x, n]] } });
  }
  for (let y = s; y <= n && features.length < 800; y += step) {
    features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [[w, y], [e, y]] } });
  }
  map.getSource('grid').setData({ type: 'FeatureCollection', features });
}

// ------------------------------------------------------------------ time buckets
let buckets = [];  // [{bucket, reports, tiles}], ascending
const slider = document.getElementById('time');
const timeLabel = document.getElementById('time-label');

function windowQuery() {
  return state.bucket === null ? '' : `bucket=${state.bucket}`;
}

async function loadBuckets() {
  try {
    const res = await fetch('/v1/buckets?hours=24', { cache: 'no-store' });
    buckets = await res.json();
  } catch (e) {
    return;
  }
  const live = Number(slider.value) === Number(slider.max);
  slider.max = String(buckets.length);  // the last position is "live"
  if (live || state.bucket === null) slider.value = slider.max;
  updateTimeLabel();
}

function updateTimeLabel() {
  const i = Number(slider.value);
  if (i >= buckets.length) {
    timeLabel.textContent = 'live (last hour)';
  } else {
    const b = buckets[i];
    timeLabel.textContent = `${new Date(b.bucket * 1000).toLocaleTimeString()} — ${b.reports} reports`;
  }
}

slider.addEventListener('input', () => {
  const i = Number(slider.value);
  state.bucket = i >= buckets.length ? null : buckets[i].bucket;
  updateTimeLabel();
  refreshTiles();
});

// ------------------------------------------------------------------ tiles
let refreshSerial = 0;
function refreshTiles() {
  // A new URL makes MapLibre fetch every visible tile again (the server's own cache was
  // already invalidated by the same commit that produced the event).
  refreshSerial += 1;
  const q = windowQuery();
  map.getSource('roadsense').setTiles([`${tileUrl}?${q ? q + '&' : ''}v=${refreshSerial}`]);
  state.tileRefreshes += 1;
}

// ------------------------------------------------------------------ hazards as HTML markers
const markers = new Map();  // key → maplibregl.Marker

function age(seconds) {
  if (seconds < 90) return `${Math.max(0, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

async function refreshHazards() {
  if (!document.getElementById('show-hazards').checked) {
    for (const m of markers.values()) m.remove();
    markers.clear();
    state.hazardMarkers = 0;
    return;
  }
  const b = map.getBounds();
  const pad = 0.05;
  const bbox = [Math.max(-180, b.getWest() - pad), Math.max(-85, b.getSouth() - pad),
                Math.min(180, b.getEast() + pad), Math.min(85, b.getNorth() + pad)].join(',');
  let collection;
  try {
    collection = await (await fetch(`/v1/hazards?bbox=${bbox}`, { cache: 'no-store' })).json();
  } catch (e) {
    return;
  }
  const seen = new Set();
  for (const f of collection.features) {
    const p = f.properties;
    const key = `${p.quadkey}:${p.hazard_type}`;
    seen.add(key);
    let marker = markers.get(key);
    if (!marker) {
      const el = document.createElement('div');
      el.className = 'hazard-marker';
      el.dataset.key = key;
      el.innerHTML = '<span class="dot"></span><span class="label"></span>';
      marker = new maplibregl.Marker({ element: el, anchor: 'left' })
        .setLngLat(f.geometry.coordinates).addTo(map);
      markers.set(key, marker);
    }
    const el = marker.getElement();
    const size = Math.round(8 + 18 * Math.max(0, Math.min(1, p.confidence)));
    const dot = el.querySelector('.dot');
    dot.style.width = dot.style.height = `${size}px`;
    dot.style.background = HAZARD_COLORS[p.hazard] || HAZARD_COLORS.unknown;
    el.dataset.hazard = p.hazard;
    el.dataset.confidence = p.confidence;
    el.querySelector('.label').textContent = `${p.hazard.replace(/_/g, ' ')} · ${age(p.age_s)}`;
    el.title = `${p.hazard}: confidence ${(p.confidence * 100).toFixed(0)} %, ` +
      `${p.vehicles} vehicles, ${p.reports} reports, last seen ${age(p.age_s)} ago`;
  }
  for (const [key, marker] of markers) {
    if (!seen.has(key)) {
      marker.remove();
      markers.delete(key);
    }
  }
  state.hazardMarkers = markers.size;
  state.hazardIds = [...markers.keys()];
}

// ------------------------------------------------------------------ live updates
const status = document.getElementById('status');
let lastEventAt = null;
function showStatus(text, live) {
  status.textContent = text;
  status.className = live ? 'live' : '';
}

function throttle(fn, ms) {
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => { timer = null; fn(); }, ms);
  };
}
const refreshTilesSoon = throttle(() => { if (state.bucket === null) refreshTiles(); }, 1000);
const refreshHazardsSoon = throttle(refreshHazards, 300);
const loadBucketsSoon = throttle(loadBuckets, 5000);

function connectEvents() {
  const source = new EventSource('/v1/events');
  // A commit between the page's first reads and the stream's start announces nothing to this
  // page (a stream without Last-Event-ID goes on from `hello`), so re-read once it is open.
  source.addEventListener('hello', () => {
    showStatus('live', true);
    refreshHazardsSoon();
    refreshTilesSoon();
  });
  const onChange = (e) => {
    state.events += 1;
    lastEventAt = new Date();
    showStatus(`live · ${state.events} updates · ${lastEventAt.toLocaleTimeString()}`, true);
    const change = JSON.parse(e.data);
    if (change.layer === 'hazards') refreshHazardsSoon();
    refreshTilesSoon();
    if (change.layer === 'traffic') loadBucketsSoon();
  };
  for (const layer of ['traffic', 'hazards', 'speed_limits']) source.addEventListener(layer, onChange);
  source.addEventListener('resync', () => { refreshTiles(); refreshHazards(); loadBuckets(); });
  // One long-lived stream; after a drop EventSource reconnects by itself with Last-Event-ID
  // (tiles/events.md), and we reopen it if the browser gave up.
  source.onerror = () => { if (source.readyState === EventSource.CLOSED) setTimeout(connectEvents, 1000); };
}

// ------------------------------------------------------------------ controls
function bindToggle(id, layers) {
  document.getElementById(id).addEventListener('change', (e) => {
    for (const l of layers) map.setLayoutProperty(l, 'visibility', e.target.checked ? 'visible' : 'none');
  });
}
bindToggle('show-traffic', ['traffic', 'traffic-outline']);
bindToggle('show-weather', ['weather']);
bindToggle('show-signs', ['signs']);
document.getElementById('show-hazards').addEventListener('change', refreshHazards);

const legend = document.getElementById('hazard-legend');
for (const [name, color] of Object.entries(HAZARD_COLORS)) {
  if (name === 'unknown') continue;
  const span = document.createElement('span');
  span.className = 'hazard-key';
  span.innerHTML = `<i style="background:${color}"></i>${name.replace(/_/g, ' ')}`;
  legend.appendChild(span);
}

map.on('load', () => {
  updateGrid();
  loadBuckets();
  refreshHazards();
  connectEvents();
  // Ages in the labels move on even without events.
  setInterval(refreshHazards, 15000);
});
map.on('moveend', () => { updateGrid(); refreshHazards(); });
