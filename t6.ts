import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
const server = createServer((req, res) => {
  if (req.url === '/pdfjs.mjs') { res.setHeader('content-type', 'text/javascript'); return res.end(readFileSync('node_modules/unpdf/dist/pdfjs.mjs')); }
  if (req.url?.startsWith('/doc.pdf')) { res.setHeader('content-type', 'application/pdf'); return res.end(readFileSync(process.argv[2] ?? '/tmp/st.pdf')); }
  res.setHeader('content-type', 'text/html');
  res.end(`<html><body style="margin:0;background:#888"><script type="module">
  import * as pdfjs from '/pdfjs.mjs';
  const data = new Uint8Array(await (await fetch('/doc.pdf')).arrayBuffer());
  const doc = await pdfjs.getDocument({ data, disableWorker: true, isEvalSupported: false }).promise;
  for (let i = 1; i <= doc.numPages; i++) { const p = await doc.getPage(i); const vp = p.getViewport({ scale: 1.3 });
    const c = document.createElement('canvas'); c.width = vp.width; c.height = vp.height; c.style.display='block'; c.style.marginBottom='8px'; document.body.append(c);
    await p.render({ canvasContext: c.getContext('2d'), viewport: vp }).promise; }
  document.title = 'done';
  </script></body></html>`);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const port = (server.address() as any).port;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 800, height: 1100 } });
page.on('console', (m) => console.log('console', m.text()));
page.on('pageerror', (e) => console.log('err', e.message));
await page.goto(`http://127.0.0.1:${port}/`);
await page.waitForFunction(() => document.title === 'done', null, { timeout: 20000 });
await page.screenshot({ path: '/tmp/pdfshot.png', fullPage: true });
await browser.close(); server.close();
