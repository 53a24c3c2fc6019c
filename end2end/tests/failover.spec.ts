// Failover journeys: the CSM's switch, and customers configuring an agent.
import { test, expect, signIn, hydrated } from './fixtures';
import type { Browser, Page } from '@playwright/test';

async function openEditor(page: Page, agent = 'Accueil standard', account = 'acme') {
  await page.goto(`/accounts/${account}`);
  await page.getByRole('row', { name: new RegExp(agent) }).getByRole('link', { name: 'Failover' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(agent);
}

/** The editor opens the editor; meanwhile, in another browser, the owner saves `type` with `field` set to `value`. */
async function ownerSavesMeanwhile(page: Page, browser: Browser, baseURL: string | undefined,
  type: string, field: string, value: string) {
  await signIn(page, 'editor@acme.example');
  await openEditor(page);
  await hydrated(page);
  const other = await browser.newContext({ baseURL });
  const page2 = await other.newPage();
  await signIn(page2, 'owner@acme.example');
  await openEditor(page2);
  await hydrated(page2);
  await page2.getByLabel(type).check();
  await page2.getByLabel(field).fill(value);
  await page2.getByRole('button', { name: 'Save' }).click();
  await expect(page2.getByTestId('editor-status')).toContainText('Revision 1');
  await other.close();
}

test('a CSM switches failover on, with a reason and a confirmation', { tag: '@postgres' }, async ({ page }) => {
  await signIn(page, 'csm@relais.example');
  await page.goto('/accounts/globex');
  await expect(page.getByTestId('failover-state')).toHaveText('Off');
  await page.getByLabel('Reason').fill('Addendum signed on the phone');
  await page.getByLabel('I confirm this change').check();
  await page.getByRole('button', { name: 'Turn failover on' }).click();
  await expect(page.getByTestId('failover-state')).toHaveText('On');
  await expect(page.getByTestId('notice')).toHaveText('Failover is on for this account.');
  await expect(page.getByRole('button', { name: 'Turn failover off' })).toBeVisible();
});

test('a customer saves each of the three action types and finds them after reload', { tag: '@postgres' }, async ({ page }) => {
  await signIn(page, 'editor@acme.example');
  await openEditor(page);
  await hydrated(page);
  await expect(page.getByText('No failover action saved yet')).toBeVisible();

  await page.getByLabel('Workflow').check();
  await page.getByLabel('Webhook URL').fill('https://hooks.acme.example/failover');
  await page.getByLabel('Timeout (seconds)').fill('12');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('editor-status')).toContainText('Revision 1');
  // Which revision is live, by whom and when, above the form.
  await expect(page.getByTestId('live-revision')).toHaveText('Live: revision 1 · you · just now');
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('live-revision')).toContainText(/^Live: revision 1 · .+ · \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  await expect(page.getByLabel('Workflow')).toBeChecked();
  await expect(page.getByLabel('Webhook URL')).toHaveValue('https://hooks.acme.example/failover');
  await expect(page.getByLabel('Timeout (seconds)')).toHaveValue('12');

  await page.getByLabel('Say a message').check();
  await page.getByLabel('Sentence to say').fill('Nos services sont indisponibles, merci de rappeler.');
  await page.locator('form.editor').getByLabel('Language').selectOption('fr-FR');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('editor-status')).toContainText('Revision 2');
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel('Say a message')).toBeChecked();
  await expect(page.getByLabel('Sentence to say')).toHaveValue('Nos services sont indisponibles, merci de rappeler.');

  await page.getByLabel('Call transfer').check();
  await page.getByLabel('Maximum ring duration (seconds)').fill('25');
  await page.getByLabel('Phone number').fill('+33 1 23 45 67 89');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('editor-status')).toContainText('Revision 3');
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel('Call transfer')).toBeChecked();
  await expect(page.getByLabel('Phone number')).toHaveValue('+33123456789');
  await expect(page.getByLabel('Maximum ring duration (seconds)')).toHaveValue('25');

  await page.getByRole('link', { name: 'History' }).click();
  await expect(page.locator('article.revision')).toHaveCount(3);
  // The history speaks the form's words, not field names.
  const latest = page.locator('article.revision').first();
  await expect(latest).toContainText('Maximum ring duration (seconds)');
  await expect(latest).toContainText('Call transfer');
  await expect(latest).not.toContainText('max_ring_seconds');
  // Restoring asks first, then says it's done.
  const oldest = page.locator('article.revision[data-revision="1"]');
  await oldest.locator('summary', { hasText: 'Restore' }).click();
  await expect(oldest).toContainText("It becomes this agent's live failover action at once");
  await oldest.getByRole('button', { name: 'Yes, restore it' }).click();
  await expect(page.getByTestId('notice')).toHaveText('Restored: this version is live now.');
  await expect(page.locator('article.revision')).toHaveCount(4);
});

test('an invalid phone number shows its error next to the field and nothing is saved', async ({ page }) => {
  await signIn(page, 'editor@acme.example');
  await openEditor(page);
  await hydrated(page);
  await page.getByLabel('Call transfer').check();
  await page.getByLabel('Phone number').fill('0123456789');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('#err-default-0-phone_number')).toHaveText('Use the international format: + then the country code, up to 15 digits.');
  await expect(page.getByLabel('Phone number')).toHaveAttribute('aria-invalid', 'true');
  page.on('dialog', (d) => d.accept());
  await page.reload();
  await expect(page.getByText('No failover action saved yet')).toBeVisible();
});

test('switching the type without saving changes nothing on the server, and leaving warns', async ({ page }) => {
  await signIn(page, 'owner@acme.example');
  await openEditor(page);
  await hydrated(page);
  await page.getByLabel('Say a message').check();
  await page.getByLabel('Sentence to say').fill('Merci de rappeler.');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('editor-status')).toContainText('Revision 1');

  await page.getByLabel('Workflow').check();
  await page.getByLabel('Webhook URL').fill('https://hooks.acme.example/x');
  await expect(page.getByTestId('editor-status')).toHaveText('Unsaved changes');
  // Values typed for another type are kept while editing.
  await page.getByLabel('Say a message').check();
  await expect(page.getByLabel('Sentence to say')).toHaveValue('Merci de rappeler.');
  await page.getByLabel('Workflow').check();
  await expect(page.getByLabel('Webhook URL')).toHaveValue('https://hooks.acme.example/x');

  const dialog = new Promise<string>((resolve) =>
    page.once('dialog', async (d) => {
      resolve(d.type());
      await d.accept();
    }),
  );
  await page.getByRole('link', { name: 'Acme Santé' }).click();
  expect(await dialog).toBe('beforeunload');
  // Let that navigation finish before starting another.
  await expect(page).toHaveURL(/\/accounts\/acme$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Acme');
  await openEditor(page);
  await expect(page.getByLabel('Say a message')).toBeChecked();
});

test('a stale save is refused with who saved and when', { tag: '@postgres' }, async ({ page, browser, baseURL }) => {
  await ownerSavesMeanwhile(page, browser, baseURL, 'Say a message', 'Sentence to say', 'Saved by the owner first.');

  await page.getByLabel('Say a message').check();
  await page.getByLabel('Sentence to say').fill('Saved by the editor later.');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('editor-status')).toContainText('owner@acme.example');
  await expect(page.getByTestId('editor-status')).toContainText('Nothing was overwritten, and what you typed is still here.');
  // Their version beside mine, field by field; nothing typed is lost.
  await page.getByRole('button', { name: 'Review their change' }).click();
  const review = page.getByTestId('stale-review');
  const row = review.getByRole('row', { name: /Sentence to say/ });
  await expect(row.getByRole('cell').nth(0)).toHaveText('Saved by the owner first.');
  await expect(row.getByRole('cell').nth(1)).toHaveText('Saved by the editor later.');
  await expect(page.getByLabel('Sentence to say')).toHaveValue('Saved by the editor later.');
  // Take theirs: the form shows it, nothing to save.
  await review.getByRole('button', { name: 'Use their version' }).click();
  await expect(page.getByLabel('Sentence to say')).toHaveValue('Saved by the owner first.');
  await expect(page.getByTestId('live-revision')).toContainText('Live: revision 1 · owner@acme.example');
  await expect(page.getByTestId('editor-status')).not.toContainText('Unsaved changes');
  // Then mine on top of it, knowingly: revision 2.
  await page.getByLabel('Sentence to say').fill('Saved by the editor later.');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('live-revision')).toHaveText('Live: revision 2 · you · just now');
  await page.reload();
  await expect(page.getByLabel('Sentence to say')).toHaveValue('Saved by the editor later.');
});

test('a stale save can be saved over theirs after review', async ({ page, browser, baseURL }) => {
  await ownerSavesMeanwhile(page, browser, baseURL, 'Call transfer', 'Phone number', '+33123456789');

  await page.getByLabel('Say a message').check();
  await page.getByLabel('Sentence to say').fill('Mine wins.');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('button', { name: 'Review their change' }).click();
  const review = page.getByTestId('stale-review');
  await expect(review.getByRole('row', { name: /Action type/ })).toContainText('Call transfer');
  await expect(review.getByRole('row', { name: /Phone number/ })).toContainText('+33123456789');
  await review.getByRole('button', { name: 'Save mine over theirs' }).click();
  await expect(page.getByTestId('live-revision')).toHaveText('Live: revision 2 · you · just now');
  await expect(review).toHaveCount(0);
});

test('the Test button calls the webhook and says whether its answer is a valid action', async ({ page, relais }) => {
  await signIn(page, 'editor@acme.example');
  await openEditor(page);
  await hydrated(page);
  await page.getByLabel('Workflow').check();
  await page.getByLabel('Webhook URL').fill(relais.webhookUrl);
  await page.getByLabel('Timeout (seconds)').fill('5');
  await page.getByRole('button', { name: 'Test' }).click();
  const report = page.getByTestId('test-report');
  await expect(report.getByTestId('test-status')).toHaveText('200');
  await expect(report).toContainText('Valid failover action:');
  await expect(report).toContainText('Rappelez-nous demain.');
  expect(relais.webhookRequests).toHaveLength(1);
  expect(relais.webhookRequests[0]).toMatchObject({ test: true });

  // The other types: what the runtime would do, without saving anything.
  await page.getByLabel('Call transfer').check();
  await page.getByLabel('Phone number').fill('+33123456789');
  await page.getByRole('button', { name: 'Test' }).click();
  await expect(report).toContainText('The call is transferred to +33123456789');
  await expect(report).toContainText('default error message');
  await expect(page.getByTestId('editor-status')).toHaveText('Unsaved changes');
});

test('while the flag is off a customer sees the locked section and no form', async ({ page }) => {
  await signIn(page, 'owner@globex.example');
  await openEditor(page, 'Claims hotline', 'globex');
  await expect(page.getByTestId('failover-locked')).toContainText('Contact your Customer Success Manager');
  await expect(page.getByRole('button', { name: 'Save' })).toHaveCount(0);
  await expect(page.getByLabel('Webhook URL')).toHaveCount(0);
});

test('an owner adds a SIP connection, renames an agent and sets the default message', { tag: '@postgres' }, async ({ page }) => {
  await signIn(page, 'owner@acme.example');
  await page.goto('/accounts/acme');
  const sip = page.locator('#sip');
  // The form that adds one (the demo's connection has its own edit form).
  const add = sip.locator('form:has(#sip-name)');
  await add.getByLabel('Name').fill('Standard PBX');
  await add.getByLabel('SIP URI').fill('http://not-sip');
  await add.getByRole('button', { name: 'Add' }).click();
  await expect(sip.getByText('A SIP URI starts with sip: or sips:.')).toBeVisible();
  await add.getByLabel('Name').fill('Standard PBX');
  await add.getByLabel('SIP URI').fill('sip:standard@pbx.acme.example');
  await add.getByRole('button', { name: 'Add' }).click();
  await expect(sip.getByRole('cell', { name: 'sip:standard@pbx.acme.example' })).toBeVisible();

  // The agent's form opens below the table, and says so after the save.
  const row = page.getByRole('row', { name: /Prise de rendez-vous/ });
  await row.getByRole('link', { name: 'Edit Prise de rendez-vous' }).click();
  const edit = page.getByRole('region', { name: 'Edit agent Prise de rendez-vous' });
  await edit.getByLabel('Name').fill('Rendez-vous');
  await edit.getByRole('button', { name: 'Update' }).click();
  await expect(page.getByRole('cell', { name: 'Rendez-vous', exact: true })).toBeVisible();
  await expect(page.getByTestId('notice')).toBeVisible();

  const message = page.locator('#default-message');
  await message.getByLabel('Text').fill('Merci de rappeler dans une heure.');
  await message.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('#default-message').getByLabel('Text')).toHaveValue('Merci de rappeler dans une heure.');
});

test('an outbound agent has no failover section', async ({ page }) => {
  await signIn(page, 'owner@acme.example');
  await page.goto('/accounts/acme');
  await expect(page.getByRole('row', { name: /Relance impayés/ }).getByRole('link', { name: 'Failover' })).toHaveCount(0);
});

test.describe('with JavaScript disabled', () => {
  test.use({ javaScriptEnabled: false });

  test('a customer saves a failover action', async ({ page }) => {
    await signIn(page, 'editor@acme.example', undefined, { js: false });
    await expect(page).toHaveURL(/\/accounts\/acme$/);
    await openEditor(page);
    await page.getByLabel('Say a message').check();
    await page.getByLabel('Sentence to say').fill('Sans JavaScript aussi.');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByLabel('Sentence to say')).toHaveValue('Sans JavaScript aussi.');
    await expect(page.getByText('No failover action saved yet')).toHaveCount(0);
  });
});

test('what is chosen and typed before the page is live is what the live form starts from', async ({ page }) => {
  await signIn(page, 'editor@acme.example');
  // The page sign-in leads to, loaded before the next one is asked for (a
  // navigation that cut it short once came back without the page's CSP).
  await expect(page).toHaveURL(/\/accounts\/acme$/);
  await hydrated(page);
  // Hold the page's script until the person has acted on the server's form.
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  await page.route('**/pkg/*.wasm', async (route) => {
    await held;
    await route.continue().catch(() => {});
  });
  await openEditor(page);
  await page.getByLabel('Say a message').check();
  await page.getByLabel('Sentence to say').fill('Nous revenons vers vous.');
  await page.getByLabel('Webhook URL').fill('https://hooks.acme.example/typed-early');
  expect(await page.evaluate(() => document.body.hasAttribute('data-hydrated'))).toBe(false);
  release();
  await hydrated(page);
  await expect(page.getByLabel('Say a message')).toBeChecked();
  await expect(page.getByLabel('Sentence to say')).toHaveValue('Nous revenons vers vous.');
  // The live form shows the chosen type only, and knows it is not saved.
  await expect(page.getByLabel('Webhook URL')).toBeHidden();
  await expect(page.getByTestId('editor-status')).toContainText('Unsaved changes');
  await page.getByLabel('Workflow').check();
  await expect(page.getByLabel('Webhook URL')).toHaveValue('https://hooks.acme.example/typed-early');
  await page.getByLabel('Say a message').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('live-revision')).toHaveText('Live: revision 1 · you · just now');
  // Nothing of the save still in flight when the page goes (an aborted call is logged as an error).
  await page.waitForLoadState('networkidle');
  await page.reload();
  await expect(page.getByLabel('Sentence to say')).toHaveValue('Nous revenons vers vous.');
});
