// The official OpenFeature web SDK with its OFREP provider, unmodified, in
// Debian's Chromium, against a running Relais: the provider that browsers and
// single-page apps use, built on the current OFREP core (bulk evaluation, re-run when the
// context changes; a success without a value means "use your default"). Run by the
// Rust test `runtime::ofrep` with the same environment as ofrep.mjs:
// RELAIS_URL, RELAIS_TOKEN, AGENT_ON with EXPECTED, AGENT_OFF.
//
// The page and the SDK's modules are served by this script (Playwright's
// request routing), at Relais's own origin, so the SDK's calls are
// same-origin; Relais itself serves no such page.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { chromium } from '@playwright/test';

const { RELAIS_URL, RELAIS_TOKEN, AGENT_ON, AGENT_OFF, EXPECTED } = process.env;

// Each module's ES build, named by its package.json (the provider brings
// the OFREP core it was built with, in its own node_modules).
function esm(name, from = process.cwd()) {
  const dir = path.join(from, 'node_modules', name);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const entry = pkg.module ?? pkg.exports?.import;
  if (typeof entry !== 'string') throw new Error(`${name}: no ES module entry`);
  return { dir, file: path.join(dir, entry) };
}
const provider = esm('@openfeature/ofrep-web-provider');
const modules = {
  '@openfeature/core': esm('@openfeature/core').file,
  '@openfeature/web-sdk': esm('@openfeature/web-sdk').file,
  '@openfeature/ofrep-core': esm('@openfeature/ofrep-core', provider.dir).file,
  '@openfeature/ofrep-web-provider': provider.file,
};
const urlOf = (name) => `/__openfeature/${name.replace('/', '.')}.js`;
const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>OFREP</title>
<script type="importmap">${JSON.stringify({ imports: Object.fromEntries(Object.keys(modules).map((n) => [n, urlOf(n)])) })}</script>
</head><body></body></html>`;

// A hung browser fails the run instead of holding the test suite.
setTimeout(() => {
  console.error('timed out after 60 s');
  process.exit(1);
}, 60_000).unref();

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
let failed = false;
try {
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (e) => errors.push(e.message));
  await tab.route(`${RELAIS_URL}/__openfeature/**`, (route) => {
    const asked = new URL(route.request().url()).pathname;
    if (asked === '/__openfeature/index.html') {
      return route.fulfill({ contentType: 'text/html', body: page });
    }
    const name = Object.keys(modules).find((n) => urlOf(n) === asked);
    if (!name) return route.fulfill({ status: 404, body: '' });
    return route.fulfill({ contentType: 'text/javascript', body: readFileSync(modules[name]) });
  });
  await tab.goto(`${RELAIS_URL}/__openfeature/index.html`);

  const got = await tab.evaluate(
    async ({ token, on, off }) => {
      const { OpenFeature } = await import('@openfeature/web-sdk');
      const { OFREPWebProvider } = await import('@openfeature/ofrep-web-provider');
      const fallback = { fallback: true };
      const details = (d) => ({
        value: d.value,
        reason: d.reason,
        variant: d.variant ?? null,
        errorCode: d.errorCode ?? null,
        revision: d.flagMetadata?.revision ?? null,
      });
      const make = (secret) =>
        new OFREPWebProvider({
          baseUrl: location.origin,
          headers: [['Authorization', `Bearer ${secret}`]],
          cacheMode: 'disabled',
        });
      const out = {};
      await OpenFeature.setContext({ targetingKey: on });
      await OpenFeature.setProviderAndWait(make(token));
      const client = OpenFeature.getClient();
      out.on = details(client.getObjectDetails('failover', fallback));
      out.onValue = client.getObjectValue('failover', fallback);
      // A context change re-evaluates (bulk) for the new agent.
      await OpenFeature.setContext({ targetingKey: off });
      out.off = details(client.getObjectDetails('failover', fallback));
      await OpenFeature.setContext({ targetingKey: 'no-such-agent' });
      out.unknown = details(client.getObjectDetails('failover', fallback));
      // A bad token: the provider can't start; the caller gets its default.
      try {
        await OpenFeature.setProviderAndWait('bad-token', make('relais_rt_not-a-real-token'));
        out.badStarted = true;
      } catch {
        out.badStarted = false;
      }
      out.bad = details(OpenFeature.getClient('bad-token').getObjectDetails('failover', fallback));
      await OpenFeature.close();
      return out;
    },
    { token: RELAIS_TOKEN, on: AGENT_ON, off: AGENT_OFF },
  );

  const expected = JSON.parse(EXPECTED);
  const fallback = { fallback: true };
  const checks = [
    ['document', got.on.value, expected],
    ['value', got.onValue, expected],
    ['reason', got.on.reason, 'TARGETING_MATCH'],
    ['variant', got.on.variant, expected.action.type],
    ['error', got.on.errorCode, null],
    ['revision', got.on.revision, expected.revision],
    // Failover off for the account: the caller's default, reason DISABLED.
    ['off value', got.off.value, fallback],
    ['off reason', got.off.reason, 'DISABLED'],
    ['off error', got.off.errorCode, null],
    ['unknown value', got.unknown.value, fallback],
    ['unknown error', got.unknown.errorCode, 'FLAG_NOT_FOUND'],
    ['bad token started', got.badStarted, false],
    ['bad token value', got.bad.value, fallback],
    ['bad token reason', got.bad.reason, 'ERROR'],
    ['page errors', errors, []],
  ];
  for (const [what, have, want] of checks) {
    if (!isDeepStrictEqual(have, want)) {
      console.error(`${what}: got ${JSON.stringify(have)}, expected ${JSON.stringify(want)}`);
      failed = true;
    }
  }
} finally {
  await browser.close();
}
if (failed) process.exit(1);
console.log('OpenFeature web SDK (OFREP web provider) in Chromium: all checks passed');
