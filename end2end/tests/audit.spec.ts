// The audit log reads as sentences, shows only what changed, and filters by
// part of a name, in the page's language.
import { test, expect, signIn } from './fixtures';

test('a change reads as a sentence, with only what changed, and the filters search', { tag: '@postgres' }, async ({ page, context, baseURL }) => {
  await signIn(page, 'owner@acme.example');
  await expect(page).toHaveURL(/\/accounts\/acme$/);
  await page.locator('#dm-text').fill('Un instant, nous revenons.');
  await page.locator('#default-message').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('notice')).toHaveText('Saved.');

  await page.goto('/audit');
  const first = page.locator('.audit-item').first();
  await expect(first.locator('.sentence')).toHaveText(/^Olivia Owner owner@acme\.example changed the default message of the account Acme Santé$/);
  await expect(first.locator('.diff')).toContainText('Text');
  await expect(first.locator('.diff li', { hasText: 'Text' }).locator('ins')).toHaveText('Un instant, nous revenons.');
  await expect(first.locator('.when')).toContainText('just now');
  // No raw JSON, no internal action names.
  await expect(page.locator('pre')).toHaveCount(0);
  await expect(page.locator('main')).not.toContainText('account.default_message');

  // Part of a name finds it; the action list is in words.
  await page.getByLabel('Actor').fill('olivia');
  await page.getByLabel('Action').selectOption({ label: 'Default message changed' });
  await page.getByLabel('Account').fill('santé');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.locator('.audit-item')).toHaveCount(1);
  // The filtered entries as a file.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export').click()]);
  expect(download.suggestedFilename()).toBe('relais-audit.csv');
  const csv = await (await download.createReadStream()).toArray();
  const lines = Buffer.concat(csv).toString('utf8').trim().split('\n');
  expect(lines[0]).toBe('When,Who,Email or label,Action,What,Account,What changed,IP address');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain('Olivia Owner,owner@acme.example,Default message changed');
  await page.getByLabel('Actor').fill('nobody-like-this');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByText('No entry matches.')).toBeVisible();

  await context.addCookies([{ name: 'i18n_pref_locale', value: 'fr', url: baseURL! }]);
  await page.goto('/audit?action=account.default_message');
  await expect(page.locator('.audit-item').first().locator('.sentence')).toHaveText(
    /^Olivia Owner owner@acme\.example a modifié le message par défaut du compte Acme Santé$/,
  );
});
