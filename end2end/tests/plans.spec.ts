// Failover plans: an owner adds business hours, builds a three-step plan
// whose first step runs only in opening hours, saves it, simulates a
// pre-call timeout outside hours (the first step is skipped, with why), and
// the runtime's document and resolve answer with the same plan.
import { test, expect, signIn, hydrated } from './fixtures';

test('an owner builds a 3-step plan with an hours condition, saves it and simulates outside hours', { tag: '@postgres' }, async ({ page, relais }) => {
  await signIn(page, 'owner@acme.example');
  await page.getByTestId('hours-link').click();
  const hours = page.locator('#schedule-new');
  await hours.getByLabel('Name').fill('Front desk');
  await hours.getByLabel('Time zone').selectOption('Europe/Paris');
  for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
    await hours.getByLabel(`${day} 1 · From`).fill('09:00');
    await hours.getByLabel(`${day} 1 · To`).fill('18:00');
  }
  await hours.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByRole('article', { name: 'Front desk' })).toBeVisible();

  await page.goto('/accounts/acme');
  await page.getByRole('row', { name: /Accueil standard/ }).getByRole('link', { name: 'Failover' }).click();
  await hydrated(page);
  const route = page.locator('[data-route="default"]');
  const steps = route.getByTestId('step');
  await expect(steps).toHaveCount(1);
  await expect(page.getByRole('heading', { name: 'Pre-call workflow failed' })).toBeVisible();

  // Step 1: the front desk, only in opening hours.
  await steps.nth(0).getByLabel('Call transfer').check();
  await steps.nth(0).getByLabel('Phone number').fill('+33123456789');
  await steps.nth(0).getByLabel('Maximum ring duration (seconds)').fill('20');
  await steps.nth(0).getByLabel('Only when').selectOption({ label: 'Front desk is open' });
  // Step 2: the on-call number.
  await route.getByRole('button', { name: 'Add a step' }).click();
  await steps.nth(1).getByLabel('Call transfer').check();
  await steps.nth(1).getByLabel('Phone number').fill('+33612345678');
  await steps.nth(1).getByLabel('Maximum ring duration (seconds)').fill('25');
  // Step 3: a message; typed, then the type switched away and back: kept.
  await route.getByRole('button', { name: 'Add a step' }).click();
  await steps.nth(2).getByLabel('Say a message').check();
  await steps.nth(2).getByLabel('Sentence to say').fill('Merci de rappeler demain.');
  await steps.nth(2).getByLabel('Language').selectOption('fr-FR');
  await steps.nth(2).getByLabel('Workflow').check();
  await steps.nth(2).getByLabel('Say a message').check();
  await expect(steps.nth(2).getByLabel('Sentence to say')).toHaveValue('Merci de rappeler demain.');
  await expect(page.getByTestId('editor-status')).toHaveText('Unsaved changes');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByTestId('editor-status')).toContainText('Revision 1');

  await page.reload();
  await hydrated(page);
  await expect(steps).toHaveCount(3);
  await expect(steps.nth(0).locator('.step-summary')).toHaveText('Call transfer → +33123456789 · Front desk is open');
  await expect(steps.nth(2).locator('.step-summary')).toHaveText('Say a message « Merci de rappeler demain. »');

  // Simulate a pre-call timeout on a Sunday morning: closed.
  const sim = page.getByTestId('simulate');
  await sim.getByLabel('Cause').selectOption({ label: 'Pre-call webhook timed out' });
  await sim.getByLabel('At').fill('2026-12-06T10:00');
  await sim.getByRole('button', { name: 'Simulate' }).click();
  const result = page.getByTestId('simulation');
  await expect(result).toContainText('Route: Any failure · 2026-12-06 10:00 (Europe/Paris)');
  await expect(result.locator('li').nth(0)).toContainText('Skipped: outside Front desk hours');
  await expect(result.locator('li').nth(1)).toContainText('Tried');
  await expect(result.locator('li').nth(2)).toContainText('Tried');
  await expect(result).toContainText('Then the default error message');

  // The runtime: the document's routes, and resolve on that Sunday and the Monday after.
  const agent = new URL(page.url()).pathname.split('/')[2];
  const get = async (path: string) => (await fetch(`${relais.url}/api/runtime/v1/agents/${agent}${path}`, {
    headers: { authorization: `Bearer ${relais.demoToken}` },
  })).json();
  const doc = await get('/failover');
  expect(doc.routes.default).toHaveLength(3);
  expect(doc.action.phone_number).toBe('+33123456789');
  const sunday = await get('/failover/resolve?cause=precall_timeout&at=2026-12-06T09:00:00Z');
  expect(sunday.steps.map((s: { type: string }) => s.type)).toEqual(['transfer', 'say_message']);
  const monday = await get('/failover/resolve?cause=precall_timeout&at=2026-12-07T09:00:00Z');
  expect(monday.steps).toHaveLength(3);
});

test('an override route gets steps that move up and go, what was typed going with them', async ({ page }) => {
  await signIn(page, 'owner@acme.example');
  await page.goto('/accounts/acme');
  await page.getByRole('row', { name: /Accueil standard/ }).getByRole('link', { name: 'Failover' }).click();
  await hydrated(page);
  const precall = page.locator('[data-route="precall"]');
  await expect(precall.getByTestId('step')).toHaveCount(0);
  await precall.getByRole('button', { name: 'Add a step' }).click();
  await precall.getByRole('button', { name: 'Add a step' }).click();
  const steps = precall.getByTestId('step');
  await steps.nth(0).getByLabel('Say a message').check();
  await steps.nth(0).getByLabel('Sentence to say').fill('Premier.');
  await steps.nth(1).getByLabel('Call transfer').check();
  await steps.nth(1).getByLabel('Phone number').fill('+33123456789');
  // The message always ends the call: the transfer after it can never run.
  await steps.nth(1).getByRole('button', { name: 'Move up' }).click();
  await expect(steps.nth(0).locator('.step-summary')).toContainText('Call transfer');
  await expect(steps.nth(0).getByRole('button', { name: 'Move up' })).toBeDisabled();
  await steps.nth(0).getByRole('button', { name: 'Remove step' }).click();
  await expect(steps).toHaveCount(1);
  await expect(steps.nth(0).getByLabel('Sentence to say')).toHaveValue('Premier.');
  await expect(page.getByTestId('editor-status')).toHaveText('Unsaved changes');
});
