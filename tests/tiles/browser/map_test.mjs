// Browser test of the web map (web/), driven by tests/tiles/browser_test.cc: headless Debian
// Chromium through playwright-core. Checks that the page draws traffic tiles and every hazard the
// API publishes in view, then uploads a new hazard through the receiver (k + 2 vehicles) and waits
// for its marker to appear without a reload; saves a screenshot.
//
//   node map_test.mjs --url URL --receiver URL --screenshot FILE [--web DIR] [--chromium PATH]
// Exit 0 on success; prints one JSON line of findings; exit 1 with the reason otherwise.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    receiver: { type: 'string' },
    screenshot: { type: 'string' },
    web: { type: 'string', default: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web') },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    'new-hazard': { type: 'string', default: '48.1500,11.5900' },
    k: { type: 'string', default: '5' },
  },
});
const require = createRequire(path.join(args.web, 'package.json'));
const { chromium } = require('playwright-core');

function fail(message) {
  console.error(`map_test: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

// Uploads one hazard report from each of `vehicles` fresh pseudonyms (protobuf JSON mapping).
async function uploadHazard(receiver, lat, lon, vehicles) {
  const now = Date.now();
  for (let i = 0; i < vehicles; i++) {
    const batch = {
      envelope: { vehiclePseudonym: `browser-test-${now}-${i}`, batchSequence: '1',
                  sentTimeMs: String(now), softwareVersion: 'map_test' },
      reports: [{
        observedTimeMs: String(now - 1000),
        position: { latE7: Math.round(lat * 1e7), lonE7: Math.round(lon * 1e7), speedCms: 500 },
        hazard: { type: 'HAZARD_TYPE_ROADWORKS', confidencePct: 90, ttlS: 3600,
                  eventId: String(1000 + i) },
      }],
    };
    const res = await fetch(`${receiver}/v1/reports`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(batch),
    });
    if (res.status !== 200) fail(`receiver answered ${res.status}: ${await res.text()}`);
  }
}

const profile = mkdtempSync(path.join(tmpdir(), 'roadsense-chromium-'));
let context;
try {
  // A persistent context is how Playwright takes a --user-data-dir: a fresh one per run.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: args.chromium,
    headless: true,
    viewport: { width: 1200, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           // WebGL without a GPU: Chromium's software renderer (SwiftShader).
           '--enable-unsafe-swiftshader', '--use-angle=swiftshader'],
  });
  const page = context.pages()[0] ?? await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const external = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(new URL(args.url).origin) && !r.url().startsWith('data:') &&
        !r.url().startsWith('blob:')) external.push(r.url());
  });

  await page.goto(args.url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.roadsenseMap && window.roadsenseMap.loaded(),
                             null, { timeout: 30000 }).catch(() => fail(`map never loaded: ${errors}`));

  // Traffic tiles drawn: rendered features of the traffic layer.
  await page.waitForFunction(
    () => window.roadsenseMap.queryRenderedFeatures({ layers: ['traffic'] }).length > 0,
    null, { timeout: 30000 }).catch(() => fail(`no traffic features rendered: ${errors}`));
  const trafficFeatures = await page.evaluate(
    () => window.roadsenseMap.queryRenderedFeatures({ layers: ['traffic'] }).length);

  // Every hazard the API publishes in the page's view has a marker.
  const expected = await page.evaluate(async () => {
    const b = window.roadsenseMap.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].join(',');
    const fc = await (await fetch(`/v1/hazards?bbox=${bbox}`)).json();
    return fc.features.map((f) => `${f.properties.quadkey}:${f.properties.hazard_type}`);
  });
  if (expected.length === 0) fail('the API publishes no hazard in view: nothing seeded?');
  await page.waitForFunction((keys) => keys.every((k) => window.roadsense.hazardIds.includes(k)),
                             expected, { timeout: 30000 })
    .catch(() => fail(`hazard markers missing: want ${expected}`));
  const before = await page.evaluate(() => window.roadsense.hazardIds.slice());
  const navigations = [];
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations.push(f.url()); });

  // A new hazard, uploaded through the receiver → queue → worker → NOTIFY → SSE. By k + 2 fresh
  // vehicles, not k: the map counts vehicles with a 1024-register sketch (db/hyper_log_log.md),
  // and about 1 % of the time two of k = 5 random pseudonyms share a register, which rightly hides
  // a cluster whose uploads landed in different worker commits. With k + 2 that takes 3 shared
  // registers (≈ 3e-7).
  const [lat, lon] = args['new-hazard'].split(',').map(Number);
  const uploadedAt = Date.now();
  await uploadHazard(args.receiver, lat, lon, Number(args.k) + 2);
  await page.waitForFunction(
    (old) => window.roadsense.hazardIds.some((k) => !old.includes(k) && k.endsWith(':6')),
    before, { timeout: 60000 }).catch(() => fail('the new hazard never appeared'));
  const appearedAfterMs = Date.now() - uploadedAt;
  if (navigations.length > 0) fail(`the page reloaded: ${navigations}`);
  const state = await page.evaluate(() => ({ ...window.roadsense }));
  if (state.events === 0) fail('no live event arrived');

  await page.waitForTimeout(500);  // let the last tiles paint
  await page.screenshot({ path: args.screenshot });
  if (external.length > 0) fail(`requests left the server: ${external.slice(0, 3)}`);
  console.log(JSON.stringify({ ok: true, trafficFeatures, seededHazards: expected.length,
                               hazardMarkers: state.hazardMarkers, events: state.events,
                               newHazardAfterMs: appearedAfterMs, pageErrors: errors }));
} catch (e) {
  if (!process.exitCode) {
    console.error(`map_test: ${e.stack ?? e}`);
    process.exitCode = 1;
  }
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}
