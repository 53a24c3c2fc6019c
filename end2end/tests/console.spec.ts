// Every page, for every role, in both languages, on a 390 px phone: axe-core
// finds nothing, the page is no wider than the screen, and a French page
// shows no English sentence of the catalogue.
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, signIn } from './fixtures';

const PHONE = { width: 390, height: 844 };
const locales = (lang: string): Record<string, string> =>
  JSON.parse(readFileSync(path.resolve(__dirname, `../../app/locales/${lang}.json`), 'utf8'));
const EN = locales('en');
const FR = locales('fr');

/** English strings a French page must not show: the literal parts of every
 * English message that differs from its French one (and that no French
 * message contains, e.g. a product name). */
const ENGLISH_ONLY: string[] = (() => {
  const frText = Object.values(FR).join('\n');
  const parts = new Set<string>();
  for (const [key, en] of Object.entries(EN)) {
    if (FR[key] === en) continue;
    for (const part of en.split(/\{\{[^}]*\}\}/)) {
      const p = part.trim().replace(/[.:…]+$/, '');
      if (p.length >= 4 && /[a-z]/i.test(p) && !frText.includes(p)) parts.add(p);
    }
  }
  return [...parts];
})();

/** The agent whose failover editor and history the sweep opens. */
async function agentId(page: Page): Promise<string> {
  await page.goto('/accounts/acme');
  const href = await page.locator('a[href$="/failover"]').first().getAttribute('href');
  return href!.split('/')[2];
}

type Finding = { page: string; lang: string; what: string };

async function sweep(page: Page, paths: string[], lang: 'en' | 'fr'): Promise<Finding[]> {
  const found: Finding[] = [];
  for (const p of paths) {
    await page.goto(p);
    await page.waitForLoadState('load');
    const axe = await new AxeBuilder({ page }).analyze();
    for (const v of axe.violations) {
      const where = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ');
      found.push({ page: p, lang, what: `axe ${v.id} (${v.nodes.length}): ${where}` });
    }
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > PHONE.width) found.push({ page: p, lang, what: `${width} px wide` });
    if (lang === 'fr') {
      const text = await page.evaluate(() => {
        const body = document.body.cloneNode(true) as HTMLElement;
        body.querySelectorAll('script, style, .mono, [lang="en"], [translate="no"]').forEach((e) => e.remove());
        const attrs = [...body.querySelectorAll('[aria-label], [placeholder], [title]')].map((e) =>
          ['aria-label', 'placeholder', 'title'].map((a) => e.getAttribute(a) ?? '').join(' '),
        );
        return body.textContent + ' ' + attrs.join(' ');
      });
      for (const en of ENGLISH_ONLY) {
        const re = new RegExp(`(^|[^\\p{L}])${en.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}])`, 'u');
        if (re.test(text)) found.push({ page: p, lang, what: `English in French: "${en}"` });
      }
    }
  }
  return found;
}

const ROLES: { who: string; pages: (agent: string) => string[] }[] = [
  {
    who: 'admin@relais.example',
    pages: (a) => ['/accounts', '/accounts/acme', '/accounts/acme/hours', `/agents/${a}/failover`, `/agents/${a}/history`, '/audit', '/events', '/tokens', '/users', '/me'],
  },
  { who: 'csm@relais.example', pages: (a) => ['/accounts', '/accounts/acme', '/accounts/acme/hours', `/agents/${a}/failover`, '/users', '/audit', '/events', '/me'] },
  { who: 'owner@acme.example', pages: (a) => ['/accounts/acme', '/accounts/acme/hours', `/agents/${a}/failover`, `/agents/${a}/history`, '/audit', '/events', '/me'] },
  { who: 'editor@acme.example', pages: (a) => ['/accounts/acme', `/agents/${a}/failover`, `/agents/${a}/history`, '/events', '/me', '/tokens'] },
  { who: 'viewer@acme.example', pages: (a) => ['/accounts/acme', `/agents/${a}/failover`, '/events', '/me', '/users'] },
];

for (const role of ROLES) {
  test(`every page of ${role.who}: no axe finding, fits 390 px, French throughout`, async ({ page, context }) => {
    test.slow();
    await page.setViewportSize(PHONE);
    await signIn(page, role.who);
    await expect(page.getByRole('link', { name: /Signed in as/ })).toBeVisible();
    const paths = role.pages(await agentId(page));
    const found = await sweep(page, paths, 'en');
    await context.addCookies([{ name: 'i18n_pref_locale', value: 'fr', url: page.url() }]);
    found.push(...(await sweep(page, paths, 'fr')));
    expect(found, found.map((f) => `${f.lang} ${f.page}: ${f.what}`).join('\n')).toEqual([]);
  });
}

test('the pages before sign-in: no axe finding, fits 390 px, French throughout', async ({ page, context, baseURL }) => {
  await page.setViewportSize(PHONE);
  const paths = ['/signin', `/invite?token=${'0'.repeat(64)}`, `/reset?token=${'0'.repeat(64)}`, '/no-such-page'];
  const found = await sweep(page, paths, 'en');
  await context.addCookies([{ name: 'i18n_pref_locale', value: 'fr', url: baseURL! }]);
  found.push(...(await sweep(page, paths, 'fr')));
  expect(found, found.map((f) => `${f.lang} ${f.page}: ${f.what}`).join('\n')).toEqual([]);
});

test('a page a role may not use says so, with its status, and shows none of its forms', async ({ page }) => {
  await signIn(page, 'editor@acme.example');
  await expect(page).toHaveURL(/\/accounts\/acme$/);
  for (const [path, form] of [['/tokens', 'form#new-token'], ['/audit', 'form.filters'], ['/users', 'form.search'], ['/accounts/acme/hours', 'form.schedule-form']]) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(403);
    await expect(page.getByRole('heading', { level: 1, name: "You don't have access to this page" })).toBeVisible();
    await expect(page.locator(form)).toHaveCount(0);
  }
});
