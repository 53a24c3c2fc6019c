// People in the browser: a CSM creates an account and invites its owner; the
// owner signs up from the e-mailed link, invites an editor and makes them a
// viewer, who then can't save; a password change ends another browser's session.
import { test, expect, signIn, linkInMail, DEMO_PASSWORD } from './fixtures';
import type { Browser, Page } from '@playwright/test';

const PASSWORD = 'a brand new lantern passphrase';

async function freshPage(browser: Browser, baseURL: string): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  return context.newPage();
}

/** Accepts an invitation in `page`: name, password, then the account. */
async function accept(page: Page, link: string, name: string) {
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Accept your invitation' })).toBeVisible();
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('New password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Accept invitation' }).click();
}

test('a CSM creates an account, its owner signs up and builds their team', { tag: '@postgres' }, async ({ page, browser, relais }) => {
  await signIn(page, 'csm@relais.example');
  await page.goto('/accounts');
  await page.getByText('New account').click();
  await page.getByLabel('Account name').fill('Initech');
  await page.getByLabel('Slug', { exact: true }).fill('initech');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/accounts\/initech$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Initech');
  await page.getByLabel('Reason').fill('Signed with failover');
  await page.getByLabel('I confirm this change').check();
  await page.getByRole('button', { name: 'Turn failover on' }).click();
  await expect(page.getByTestId('failover-state')).toHaveText('On');

  const members = page.locator('#members');
  await members.getByLabel('Email').fill('olga@initech.example');
  await page.locator('#invite-role').selectOption('owner');
  await members.getByRole('button', { name: 'Invite' }).click();
  await expect(page.getByTestId('issued-link')).toHaveValue(/\/invite\?token=[0-9a-f]{64}$/);
  await expect(page.getByText('It was also e-mailed to them.')).toBeVisible();
  const shown = await page.getByTestId('issued-link').inputValue();
  await expect.poll(() => relais.mails.length).toBe(1);
  const link = linkInMail(relais.mails[0]);
  expect(link).toBe(shown);
  // Shown once: a reload no longer has it; the invitation is listed.
  await page.reload();
  await expect(page.getByTestId('issued-link')).toHaveCount(0);
  await expect(members.getByRole('row', { name: /olga@initech\.example/ }).first()).toBeVisible();

  // The owner, in a browser of their own.
  const owner = await freshPage(browser, relais.url);
  await accept(owner, link, 'Olga Owner');
  await expect(owner).toHaveURL(/\/accounts\/initech$/);
  // The link is used: one clear page.
  const other = await freshPage(browser, relais.url);
  await other.goto(link);
  await expect(other.getByRole('heading', { name: "This link can't be used" })).toBeVisible();

  // She adds an agent and invites an editor.
  await owner.getByLabel('Name', { exact: true }).first().fill('Accueil');
  await owner.getByRole('button', { name: 'Add an agent' }).click();
  await expect(owner.getByRole('row', { name: /Accueil/ })).toBeVisible();
  await owner.locator('#members').getByLabel('Email').fill('eddie@initech.example');
  await owner.locator('#invite-role').selectOption('editor');
  await owner.locator('#members').getByRole('button', { name: 'Invite' }).click();
  const editorLink = await owner.getByTestId('issued-link').inputValue();
  const editor = await freshPage(browser, relais.url);
  await accept(editor, editorLink, 'Eddie Editor');
  await expect(editor).toHaveURL(/\/accounts\/initech$/);

  // Then makes him a viewer: he can read the agent's failover, not save it.
  await owner.reload();
  const row = owner.locator('tr[data-member="eddie@initech.example"]');
  await row.getByLabel('Role').selectOption('viewer');
  await row.getByRole('button', { name: 'Change role' }).click();
  await expect(owner.locator('tr[data-member="eddie@initech.example"]').getByLabel('Role')).toHaveValue('viewer');
  await editor.goto('/accounts/initech');
  await editor.getByRole('row', { name: /Accueil/ }).getByRole('link', { name: 'Failover' }).click();
  await expect(editor.getByText('You can read this configuration but not change it.')).toBeVisible();
  await expect(editor.getByRole('button', { name: 'Save' })).toHaveCount(0);
});

test('changing one\'s password ends the other browser\'s session', { tag: '@postgres' }, async ({ page, browser, relais }) => {
  await signIn(page, 'owner@globex.example');
  await expect(page).toHaveURL(/\/accounts\/globex$/);
  const elsewhere = await freshPage(browser, relais.url);
  await signIn(elsewhere, 'owner@globex.example');
  await expect(elsewhere).toHaveURL(/\/accounts\/globex$/);

  await page.getByRole('link', { name: /Signed in as/ }).click();
  await expect(page.getByRole('heading', { name: 'My account' })).toBeVisible();
  await expect(page.getByRole('row')).toHaveCount(3); // the header and two sessions
  await page.getByLabel('Current password').fill('not my password');
  await page.getByLabel('New password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('This is not your current password.')).toBeVisible();
  await page.getByLabel('Current password').fill(DEMO_PASSWORD);
  await page.getByLabel('New password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('row')).toHaveCount(2);

  // The other browser is signed out at its next request.
  await elsewhere.reload();
  await expect(elsewhere).toHaveURL(/\/signin/);
  await signIn(elsewhere, 'owner@globex.example', PASSWORD);
  await expect(elsewhere).toHaveURL(/\/accounts\/globex$/);
});
