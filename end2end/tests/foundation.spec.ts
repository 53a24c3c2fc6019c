// Sign-in, tenancy, languages: the foundation journeys.
import { test, expect, signIn, hydrated } from './fixtures';

test('staff sign in and see every account, and search them', { tag: '@postgres' }, async ({ page }) => {
  await signIn(page, 'csm@relais.example');
  await expect(page).toHaveURL(/\/accounts$/);
  const table = page.getByRole('table');
  await expect(table.getByRole('link', { name: 'Acme Santé' })).toBeVisible();
  await expect(table.getByRole('link', { name: 'Globex Assurances' })).toBeVisible();
  await expect(page.getByText('Customer Success Manager')).toBeVisible();

  await page.getByRole('searchbox').fill('glob');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/q=glob/);
  await expect(table.getByRole('link', { name: 'Globex Assurances' })).toBeVisible();
  await expect(table.getByRole('link', { name: 'Acme Santé' })).toHaveCount(0);

  await table.getByRole('link', { name: 'Globex Assurances' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Globex Assurances');
  await expect(page.getByRole('cell', { name: 'Claims hotline', exact: true })).toBeVisible();
});

test('a customer sees only its own account; a typed URL of another is refused', { tag: '@postgres' }, async ({ page }) => {
  await signIn(page, 'owner@acme.example');
  await expect(page).toHaveURL(/\/accounts\/acme$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Acme Santé');
  await expect(page.getByRole('cell', { name: 'Accueil standard', exact: true })).toBeVisible();
  await expect(page.getByTestId('failover-state')).toHaveText('On');

  await page.goto('/accounts');
  await expect(page.getByRole('link', { name: 'Acme Santé' })).toBeVisible();
  await expect(page.getByText('Globex')).toHaveCount(0);

  const res = await page.goto('/accounts/globex');
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
  await expect(page.getByText('Globex')).toHaveCount(0);
  await expect(page.getByText('Claims hotline')).toHaveCount(0);
});

test('a customer of several accounts switches between them', async ({ page }) => {
  await signIn(page, 'partner@agency.example');
  await expect(page).toHaveURL(/\/accounts\/acme$/);
  await page.getByText('Your accounts').click();
  await page.getByRole('link', { name: 'Globex Assurances' }).click();
  await expect(page).toHaveURL(/\/accounts\/globex$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Globex Assurances');
  await expect(page.getByTestId('failover-state')).toHaveText('Off');
});

test('a wrong password shows an error and signs nobody in', async ({ page }) => {
  await signIn(page, 'csm@relais.example', 'not-the-password');
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
  await expect(page).toHaveURL(/\/signin/);
  await page.goto('/accounts');
  await expect(page).toHaveURL(/\/signin\?next=/);
});

test('signing out ends the session', async ({ page }) => {
  await signIn(page, 'owner@globex.example');
  await expect(page).toHaveURL(/\/accounts\/globex$/);
  await hydrated(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await page.goto('/accounts/globex');
  await expect(page).toHaveURL(/\/signin\?next=%2Faccounts%2Fglobex|\/signin\?next=\/accounts\/globex/);
});

test('the pages speak French to a French browser, and the choice of English is remembered', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ locale: 'fr-FR', baseURL });
  const page = await context.newPage();
  await page.goto('/signin');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Se connecter à Relais');
  await page.getByLabel('E-mail').fill('owner@acme.example');
  await page.getByLabel('Mot de passe').fill('relais-demo-lantern-42');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page).toHaveURL(/\/accounts\/acme$/);
  await expect(page.getByText('État du failover')).toBeVisible();
  await expect(page.getByRole('columnheader', { name: 'Sens' })).toBeVisible();

  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByText('Failover enabled')).toBeVisible();
  await page.reload();
  await expect(page.getByText('Failover enabled')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await context.close();
});

test.describe('with JavaScript disabled', () => {
  test.use({ javaScriptEnabled: false });

  test('sign-in works, and so does its error', async ({ page }) => {
    await signIn(page, 'csm@relais.example', 'wrong-password-1', { js: false });
    await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
    await page.getByLabel('Email').fill('csm@relais.example');
    await page.getByLabel('Password').fill('relais-demo-lantern-42');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/accounts$/);
    await expect(page.getByRole('link', { name: 'Globex Assurances' })).toBeVisible();
  });
});
