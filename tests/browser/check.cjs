// Opens a benchgate report.html in headless Chromium as a reader would and checks it: no console
// or page errors, no network request, trend charts present and drawn, sorting and filtering
// work, no horizontal overflow on a phone. Usage: node check.cjs REPORT.html SCREENSHOT.png
'use strict';
const { chromium } = require('playwright-core');

function fail(message) {
  console.error('FAIL: ' + message);
  process.exit(1);
}

(async () => {
  const [file, shot] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const problems = [];
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('pageerror', (e) => problems.push('page: ' + e));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push('network: ' + r.url());
  });
  await page.goto('file://' + file);

  const shapes = await page.$$eval('svg.trend', (svgs) => svgs.map((s) => s.querySelectorAll('circle, polyline, line').length));
  if (shapes.length === 0) fail('no trend chart');
  if (shapes.some((n) => n < 5)) fail('an empty chart: ' + shapes.join(','));

  const table = page.locator('table.sortable').first();
  const changes = () => table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => parseFloat(r.dataset.change)).filter((v) => !isNaN(v)));
  await table.locator('th[data-type=number]').click();
  const up = await changes();
  if (up.some((v, i) => i > 0 && up[i - 1] > v)) fail('not sorted ascending: ' + up);
  await table.locator('th[data-type=number]').click();
  const down = await changes();
  if (down.some((v, i) => i > 0 && down[i - 1] < v)) fail('not sorted descending: ' + down);

  await page.click('.filters button[data-filter=critical]');
  const shown = await page.$$eval('tr[data-status]', (rows) => rows.filter((r) => !r.hidden).map((r) => r.dataset.status));
  if (shown.length === 0 || shown.some((s) => s !== 'critical')) fail('filter shows ' + shown);
  await page.click('.filters button[data-filter=all]');
  const all = await page.$$eval('tr[data-status]', (rows) => rows.filter((r) => r.hidden).length);
  if (all !== 0) fail(all + ' rows still hidden after "all"');

  await page.screenshot({ path: shot, fullPage: false });

  await page.setViewportSize({ width: 390, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 1) fail('the page is ' + overflow + 'px wider than a phone screen');

  await browser.close();
  if (problems.length) fail(problems.join('\n'));
  console.log('ok: ' + shapes.length + ' chart(s), sorting, filtering, phone width');
})().catch((e) => fail(String(e && e.stack || e)));
