import { test, expect, signIn, hydrated } from './fixtures';

test('an admin creates a runtime token, sees it once, and revokes it', { tag: '@postgres' }, async ({ page, relais, request }) => {
  await signIn(page, 'admin@relais.example');
  await page.getByRole('link', { name: 'Runtime tokens' }).click();
  await expect(page.getByRole('heading', { name: 'Runtime tokens' })).toBeVisible();
  await page.getByLabel('Name').fill('Call runtime EU');
  await page.getByLabel('runtime:events').check();
  await page.getByLabel('Account').selectOption('acme');
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = (await page.getByTestId('token-secret').textContent())!.trim();
  expect(secret).toMatch(/^relais_rt_[A-Za-z0-9]{40}$/);
  const row = page.locator('tr[data-token="Call runtime EU"]');
  await expect(row).toContainText('runtime:read,runtime:events');
  await expect(row).toContainText('acme');
  await expect(row).toContainText(secret.slice(0, 16));
  await expect(row.getByTestId('last-used')).toHaveText('Never');

  // The token works at once, for its account only.
  const agentId = relais
    .cli('agent', 'create', '--account', 'acme', '--name', 'E2E', '--direction', 'inbound', '--language', 'fr-FR')
    .trim();
  await expect
    .poll(async () => (await request.get(`/api/runtime/v1/agents/${agentId}/failover`, { headers: { authorization: `Bearer ${secret}` } })).status())
    .toBe(200);

  // Shown once: a reload doesn't show it again.
  await page.reload();
  await expect(page.getByTestId('token-secret')).toHaveCount(0);
  await expect(row).toContainText('Active');

  // Revoking asks first, naming the consequence; then says it's done.
  await row.locator('summary', { hasText: 'Revoke' }).click();
  await expect(row).toContainText('Runtimes using this token are refused');
  await row.getByRole('button', { name: 'Yes, revoke it' }).click();
  await expect(page.locator('tr[data-token="Call runtime EU"]')).toContainText('Revoked');
  await expect(page.getByTestId('notice')).toHaveText('Revoked: it no longer works.');
  await expect(page.getByTestId('notice')).toBeFocused();
  expect(page.url()).toMatch(/\/tokens$/);
  const res = await request.get(`/api/runtime/v1/agents/${agentId}/failover`, { headers: { authorization: `Bearer ${secret}` } });
  expect(res.status()).toBe(401);
  expect((await res.json()).error.code).toBe('revoked_token');
});

test('a token needs a scope: the error shows next to the field', async ({ page }) => {
  await signIn(page, 'admin@relais.example');
  await page.goto('/tokens');
  await page.getByLabel('Name').fill('No scope');
  await page.getByLabel('runtime:read').uncheck();
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByRole('alert')).toContainText('This field is required');
  await expect(page.locator('tr[data-token="No scope"]')).toHaveCount(0);
});

test('a CSM has no token page', async ({ page }) => {
  await signIn(page, 'csm@relais.example');
  await expect(page.getByRole('link', { name: 'Accounts' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Runtime tokens' })).toHaveCount(0);
  await page.goto('/tokens');
  await expect(page.getByRole('button', { name: 'Create token' })).toHaveCount(0);
});

test('failover events reported by a runtime are charted for the account', { tag: '@postgres' }, async ({ page, relais, request }) => {
  const ids = (slug: string) =>
    relais.cli('agent', 'create', '--account', slug, '--name', `Charted ${slug}`, '--direction', 'inbound', '--language', 'fr-FR').trim();
  const acmeAgent = ids('acme');
  const globexAgent = ids('globex');
  const today = new Date();
  const at = (h: number) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - 1, h)).toISOString();
  const events = [
    { agent_id: acmeAgent, call_id: 'c1', cause: 'precall_timeout', action_type: 'say_message', outcome: 'succeeded', occurred_at: at(9) },
    { agent_id: acmeAgent, call_id: 'c2', cause: 'precall_timeout', action_type: 'transfer', outcome: 'action_failed', occurred_at: at(10) },
    { agent_id: acmeAgent, call_id: 'c3', cause: 'prompt_render_failed', action_type: 'default_error_message', outcome: 'succeeded', occurred_at: at(11) },
    { agent_id: globexAgent, call_id: 'g1', cause: 'config_other', action_type: 'workflow', outcome: 'succeeded', occurred_at: at(11) },
  ];
  for (const e of events) {
    await expect
      .poll(async () => (await request.post('/api/runtime/v1/failover-events', { data: e, headers: { authorization: `Bearer ${relais.demoToken}` } })).status())
      .toBe(202);
  }

  await signIn(page, 'owner@acme.example');
  await page.getByRole('link', { name: 'Failover events', exact: true }).click();
  await expect(page.getByTestId('events-total')).toHaveText('Events in this period: 3');
  const byCause = page.locator('#chart-cause');
  // The last 7 days, one bar a day: yesterday's two timeouts stack in one bar.
  await expect(byCause.locator('rect[data-series="precall_timeout"]')).toHaveCount(1);
  await expect(byCause.locator('rect[data-series="config_other"]')).toHaveCount(0);
  // In words, with round gridlines and every value in a table.
  await expect(byCause.locator('.legend')).toContainText('Pre-call webhook timed out 2');
  await expect(page.locator('#chart-action .legend')).toContainText('Call transfer 1');
  await expect(byCause.locator('line.grid')).not.toHaveCount(0);
  await byCause.getByText('Show the values as a table').click();
  const values = byCause.getByRole('table');
  await expect(values.getByRole('columnheader', { name: 'Pre-call webhook timed out' })).toBeVisible();
  await expect(values.locator('tbody tr')).toHaveCount(7);
  const latest = page.getByRole('region', { name: 'Latest events' });
  await expect(latest).toContainText('c3');
  await expect(latest).toContainText('Action failed');

  // Filter on the account, then on an agent.
  await page.getByLabel('Account').selectOption('acme');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByLabel('Agent').selectOption({ label: 'Charted acme' });
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByTestId('events-total')).toHaveText('Events in this period: 3');
  await expect(page).toHaveURL(/agent=/);
  // One day: one bar an hour.
  const day = at(0).slice(0, 10);
  await page.getByLabel('From').fill(day);
  await page.getByLabel('To').fill(day);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.locator('#chart-cause rect[data-series="precall_timeout"]')).toHaveCount(2);

  // From after To: the error at the field, the filters kept.
  await page.getByLabel('From').fill(day);
  await page.getByLabel('To').fill('2020-01-01');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByText('The end date must not be before the start date.')).toBeVisible();
  await expect(page.getByLabel('From')).toHaveValue(day);
  await expect(page.getByLabel('To')).toHaveAttribute('aria-invalid', 'true');

  // Another customer sees its own events only.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, 'owner@globex.example');
  await page.goto('/events');
  await expect(page.getByTestId('events-total')).toHaveText('Events in this period: 1');
});

test.describe('in the browser\'s time zone', () => {
  test.use({ timezoneId: 'Asia/Kolkata' });

  test('events show in the viewer\'s zone, with UTC offered and remembered', async ({ page, relais, request }) => {
    const agent = relais.cli('agent', 'create', '--account', 'acme', '--name', 'Zoned', '--direction', 'inbound', '--language', 'fr-FR').trim();
    const at = new Date(Date.now() - 2 * 3600_000);
    at.setUTCSeconds(0, 0);
    const e = { agent_id: agent, call_id: 'z1', cause: 'precall_error', action_type: 'say_message', outcome: 'succeeded', occurred_at: at.toISOString() };
    await expect
      .poll(async () => (await request.post('/api/runtime/v1/failover-events', { data: e, headers: { authorization: `Bearer ${relais.demoToken}` } })).status())
      .toBe(202);
    const wall = (zone: string) => {
      const p = Object.fromEntries(
        new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
          .formatToParts(at)
          .map((x) => [x.type, x.value]),
      );
      return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
    };
    await signIn(page, 'owner@acme.example');
    // The first visit learns the browser's zone and shows the page in it.
    await page.goto('/events');
    // (Chromium names the zone by its older name, Asia/Calcutta.)
    await expect(page.getByTestId('events-zone')).toContainText(/Dates and times in Asia\/(Kolkata|Calcutta)\./);
    const latest = page.getByRole('region', { name: 'Latest events' });
    await expect(latest).toContainText(wall('Asia/Kolkata'));
    // UTC on request, remembered for the next visit.
    await hydrated(page);
    await page.getByLabel('Time zone').selectOption('UTC');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByTestId('events-zone')).toContainText('Dates and times in UTC.');
    await expect(latest).toContainText(wall('UTC'));
    await expect(page.getByLabel('Time zone').locator('option', { hasText: /Asia\/(Kolkata|Calcutta) \(this browser\)/ })).toHaveCount(1);
    await page.goto('/events');
    await expect(page.getByTestId('events-zone')).toContainText('Dates and times in UTC.');
  });
});
