// Emergency mode: a CSM starts it for two accounts from the accounts list,
// the red banner shows on their pages, the runtime document carries it, and
// an owner ends it on the account page.
import { test, expect, signIn } from './fixtures';

test('a CSM starts emergency mode for two accounts and the banner shows', { tag: '@postgres' }, async ({ page, relais }) => {
  await signIn(page, 'csm@relais.example');
  await expect(page).toHaveURL(/\/accounts$/);
  // Globex needs failover on first.
  await page.goto('/accounts/globex');
  await page.getByLabel('Reason').first().fill('Contrat signé');
  await page.getByLabel('I confirm this change').check();
  await page.getByRole('button', { name: 'Turn failover on' }).click();
  await expect(page.getByTestId('failover-state')).toHaveText('On');

  await page.goto('/accounts');
  await page.getByLabel('Select Acme Santé').check();
  await page.getByLabel('Select Globex Assurances').check();
  const form = page.locator('#emergency-multi');
  await form.getByLabel('Say a message').check();
  await form.getByLabel('Sentence to say').fill('Un incident est en cours : merci de rappeler plus tard.');
  await form.getByLabel('Reason').fill('Panne de l’opérateur');
  await form.getByLabel(/I confirm/).check();
  await form.getByRole('button', { name: 'Activate emergency mode' }).click();
  await expect(page.getByTestId('notice')).toHaveText('Emergency mode is on.');
  await expect(page.getByTestId('emergency-banner')).toHaveCount(2);
  await expect(page.getByTestId('emergency-banner').first()).toContainText('every inbound call runs Say a message');

  await page.goto('/accounts/globex');
  await expect(page.getByTestId('emergency-banner')).toContainText('Emergency mode is on for Globex Assurances');
  const claims = (await page.locator('a[href$="/failover"]').first().getAttribute('href'))!.split('/')[2];
  const doc = await (await fetch(`${relais.url}/api/runtime/v1/agents/${claims}/failover`, {
    headers: { authorization: `Bearer ${relais.demoToken}` },
  })).json();
  expect(doc.emergency.action.type).toBe('say_message');
  expect(doc.emergency.reason).toBe('Panne de l’opérateur');
  const resolved = await (await fetch(`${relais.url}/api/runtime/v1/agents/${claims}/failover/resolve?cause=precall_timeout`, {
    headers: { authorization: `Bearer ${relais.demoToken}` },
  })).json();
  expect(resolved.emergency).toBe(true);

  // The owner of Acme ends it there, after a confirmation.
  const context = await page.context().browser()!.newContext({ baseURL: relais.url });
  const owner = await context.newPage();
  await signIn(owner, 'owner@acme.example');
  await expect(owner.getByTestId('emergency-banner')).toBeVisible();
  await owner.getByText('End emergency mode').click();
  await owner.getByRole('button', { name: 'Yes, end it now' }).click();
  await expect(owner.getByTestId('notice')).toHaveText('Emergency mode is off.');
  await expect(owner.getByTestId('emergency-banner')).toHaveCount(0);
  await context.close();
});
