// The page (GET /) in a real browser: Debian's chromium driven by playwright-core, against the
// real release binary (one server for the whole test).
//
//   node page_test.mjs --imgpipe build/imgpipe --node-modules tests/node/node_modules --out build/browser
//
// Upload through the file input, build rotate:20|scale:300x|convert:webp with the builder,
// check the preview's natural size and type against the service's JSON, see the service's error
// for a text file, check the page at 390 px wide and that the upload control and the builder
// are reached with Tab. No console error or CSP violation is allowed. Screenshots go to --out.
// A missing browser or module is a failure: `make test` installs both.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const started = Date.now();
const phases = [];
let last = started;
const phase = (name) => { const now = Date.now(); phases.push(`${name} ${((now - last) / 1000).toFixed(1)}s`); last = now; };
const opts = {};
for (let i = 2; i < process.argv.length; i += 2) opts[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const k of ['imgpipe', 'node-modules', 'out']) {
  if (!opts[k]) {
    console.error(`usage: page_test.mjs --imgpipe BIN --node-modules DIR --out DIR (missing --${k})`);
    process.exit(2);
  }
}
const CHROMIUM = '/usr/bin/chromium';
assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing (scripts/install-deps.sh installs it)`);
const require = createRequire(path.join(path.resolve(opts['node-modules']), 'noop.js'));
const { chromium } = require('playwright-core');
fs.mkdirSync(opts.out, { recursive: true });

// ---- a test picture, made here: a PNG with a gradient and a few shapes ------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function makePng(width, height) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const inCircle = (x - width * 0.35) ** 2 + (y - height * 0.5) ** 2 < (height * 0.3) ** 2;
      const inSquare = x > width * 0.6 && x < width * 0.85 && y > height * 0.2 && y < height * 0.6;
      const p = row + 1 + x * 3;
      raw[p] = inCircle ? 230 : inSquare ? 30 : Math.round((255 * x) / width);
      raw[p + 1] = inCircle ? 80 : inSquare ? 160 : Math.round((255 * y) / height);
      raw[p + 2] = inCircle ? 40 : inSquare ? 90 : 170;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
                        chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

// ---- the server --------------------------------------------------------------------------------
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imgpipe-page-'));
const pngPath = path.join(tmp, 'gradient.png');
const [W, H] = [640, 400];
fs.writeFileSync(pngPath, makePng(W, H));

// An image origin for the link upload (loopback: the server runs with --allow-private-networks).
const origin = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'image/png' });
  res.end(fs.readFileSync(pngPath));
});
await new Promise((resolve) => origin.listen(0, '127.0.0.1', resolve));
const linkUrl = `http://127.0.0.1:${origin.address().port}/linked.png`;

const server = spawn(opts.imgpipe, ['serve', '--port', '0', '--data', path.join(tmp, 'data'),
                                    '--allow-private-networks', 'true'],
                     { stdio: ['ignore', 'pipe', 'pipe'] });
let serverLog = '';
const base = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`imgpipe did not start:\n${serverLog}`)), 20000);
  const onData = (d) => {
    serverLog += d;
    const m = /listening on (http:\/\/[0-9.]+:\d+)/.exec(serverLog);
    if (m) { clearTimeout(timer); resolve(m[1]); }
  };
  server.stdout.on('data', onData);
  server.stderr.on('data', onData);
  server.on('exit', (code) => reject(new Error(`imgpipe exited (${code}):\n${serverLog}`)));
});

let browser;
const problems = []; // console errors, page errors, CSP violations
try {
  const profile = path.join(tmp, 'profile');
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  const page = browser.pages()[0] || await browser.newPage();
  page.setDefaultTimeout(20000);
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const shot = async (name) => {
    await page.evaluate(() => window.scrollTo(0, 0)); // the preview column is sticky
    await page.screenshot({ path: path.join(opts.out, `${name}.png`), fullPage: true });
  };

  phase('start');
  const home = await page.goto(`${base}/`);
  assert.equal(home.status(), 200);
  assert.match(home.headers()['content-type'], /^text\/html/);
  await page.waitForSelector('#add-op option[value="rotate"]', { state: 'attached' });
  // Every op of the catalogue is offered.
  const catalog = await (await fetch(`${base}/ops`)).json();
  const offered = await page.$$eval('#add-op option', (os) => os.map((o) => o.value));
  assert.deepEqual(offered, catalog.ops.map((o) => o.name));

  phase('page');
  // Keyboard: Tab from the top reaches the upload control, then the builder.
  const reached = [];
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    reached.push(await page.evaluate(() => document.activeElement && document.activeElement.id));
    if (reached.at(-1) === 'add-op') break;
  }
  const fileAt = reached.indexOf('file');
  const addAt = reached.indexOf('add-op');
  assert.ok(fileAt >= 0, `Tab never reached the file input: ${reached.join(' ')}`);
  assert.ok(addAt > fileAt, `Tab did not reach the builder after the upload control: ${reached.join(' ')}`);
  // Focus is visible on the upload control (its label carries the ring).
  await page.focus('#file');
  const ring = await page.$eval('label[for="file"]', (l) => getComputedStyle(l).outlineStyle);
  assert.notEqual(ring, 'none', 'the focused upload control shows no focus ring');

  phase('keyboard');
  // Upload through the file input.
  await page.setInputFiles('#file', pngPath);
  await page.waitForSelector('#meta:not([hidden])');
  const meta = await page.textContent('#meta-list');
  assert.match(meta, new RegExp(`${W} x ${H}`));
  assert.match(meta, /image\/png/);
  await page.waitForSelector('#preview[data-ready=""]'); // the original, before any step

  phase('upload');
  // Build the chain with the builder.
  const step = (n) => `#steps > li:nth-child(${n})`;
  await page.selectOption('#add-op', 'rotate');
  await page.click('#add');
  await page.fill(`${step(1)} input[data-arg="degrees"]`, '20');
  await page.selectOption('#add-op', 'scale');
  await page.click('#add');
  await page.selectOption(`${step(2)} select[data-form]`, { label: 'that width, keeping the aspect ratio' });
  await page.fill(`${step(2)} input[data-arg="width"]`, '300');
  await page.selectOption('#add-op', 'convert');
  await page.click('#add');
  await page.selectOption(`${step(3)} select[data-arg="format"]`, 'webp');
  const chain = 'rotate:20|scale:300x|convert:webp';
  assert.equal(await page.inputValue('#chain'), chain);

  await page.waitForSelector(`#preview[data-ready="${chain}"]`);
  const shown = await page.$eval('#preview', (img) => ({ w: img.naturalWidth, h: img.naturalHeight, src: img.src }));
  const json = JSON.parse(await page.textContent('#json'));
  assert.equal(shown.w, 300);
  assert.equal(json.width, 300);
  assert.equal(shown.h, json.height);
  // The rotated 640x400 box, scaled to 300 wide.
  const r = (20 * Math.PI) / 180;
  const expected = (300 * (W * Math.sin(r) + H * Math.cos(r))) / (W * Math.cos(r) + H * Math.sin(r));
  assert.ok(Math.abs(json.height - expected) <= 2, `height ${json.height}, expected about ${expected.toFixed(1)}`);
  assert.equal(json.content_type, 'image/webp');
  assert.equal(shown.src, json.url);
  const fetched = await page.evaluate(async (src) => {
    const resp = await fetch(src);
    const bytes = new Uint8Array(await resp.arrayBuffer());
    return { type: resp.headers.get('content-type'), head: String.fromCharCode(...bytes.slice(0, 4), ...bytes.slice(8, 12)) };
  }, shown.src);
  assert.equal(fetched.type, 'image/webp');
  assert.equal(fetched.head, 'RIFFWEBP');
  // The links name the variant.
  const links = await page.$$eval('#link-list a', (as) => as.map((a) => a.href));
  assert.ok(links.includes(`${base}/image/${json.id.split('/')[0]}/rotate:20%7Cscale:300x%7Cconvert:webp/`), links.join(' '));
  await shot('page-desktop');

  phase('builder+preview');
  // The chain text drives the builder too.
  await page.fill('#chain', 'rotate:20|fit:200x200:cover:smart');
  await page.waitForSelector(`${step(2)} select[data-arg="mode"]`);
  assert.equal(await page.inputValue(`${step(2)} select[data-arg="mode"]`), 'cover');
  assert.equal(await page.inputValue(`${step(2)} select[data-arg="gravity"]`), 'smart');
  await page.waitForSelector('#preview[data-ready="rotate:20|fit:200x200:cover:smart"]');
  assert.deepEqual(await page.$eval('#preview', (i) => [i.naturalWidth, i.naturalHeight]), [200, 200]);

  phase('text edit');
  // A text file: the service's error, as it words it.
  const text = Buffer.from('this is not an image\n');
  const form = new FormData();
  form.append('file', new Blob([text], { type: 'text/plain' }), 'notes.txt');
  const direct = await (await fetch(`${base}/image/upload/`, { method: 'POST', body: form })).json();
  assert.equal(direct.error.code, 'unsupported_media_type');
  await page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: text });
  await page.waitForSelector('#error:not([hidden])');
  assert.equal(await page.textContent('#error-code'), direct.error.code);
  assert.equal(await page.textContent('#error-message'), direct.error.message);
  assert.equal(await page.getAttribute('#error', 'role'), 'alert');
  await shot('page-error');
  problems.splice(0, problems.length, ...problems.filter((p) => !/status of 415/.test(p))); // the upload's own 415

  phase('error');
  // Drag and drop, then a link: each a new original, the error gone.
  const dropped = await page.evaluateHandle((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
    return dt;
  }, fs.readFileSync(pngPath).toString('base64'));
  await page.dispatchEvent('#drop', 'drop', { dataTransfer: dropped });
  await page.waitForFunction(() => document.getElementById('meta-list').textContent.includes('dropped.png'));
  assert.equal(await page.isHidden('#error'), true);
  await page.fill('#link', linkUrl);
  await page.press('#link', 'Enter');
  await page.waitForFunction(() => document.getElementById('meta-list').textContent.includes('linked.png'));

  phase('drop+link');
  // A phone-sized screen: nothing wider than the viewport.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.fill('#chain', chain);
  await page.waitForSelector(`#preview[data-ready="${chain}"]`);
  const widths = await page.evaluate(() => ({
    doc: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
    wide: [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > 390.5)
      .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`).slice(0, 5),
  }));
  assert.ok(widths.doc <= 390 && widths.body <= 390, `overflows at 390 px: ${JSON.stringify(widths)}`);
  await shot('page-390');

  phase('390px');
  assert.deepEqual(problems, [], 'console errors or CSP violations');
  console.log(`browser_page: ok in ${((Date.now() - started) / 1000).toFixed(1)} s; preview 300x${json.height} ` +
              `image/webp; screenshots in ${opts.out}`);
  console.log(`phases: ${phases.join(', ')}`);
} finally {
  if (browser) await browser.close();
  origin.close();
  server.kill('SIGTERM');
  await new Promise((resolve) => { if (server.exitCode !== null) resolve(); else server.on('exit', resolve); });
  fs.rmSync(tmp, { recursive: true, force: true });
}
