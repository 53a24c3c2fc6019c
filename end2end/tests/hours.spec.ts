// Business hours: an owner keeps the account's schedules; each says whether
// it is open now and until when; a refused form keeps what was typed.
import { test, expect, signIn } from './fixtures';

test('an owner adds business hours, sees them open or closed, and a refusal keeps the form', async ({ page }) => {
  await signIn(page, 'owner@acme.example');
  await expect(page).toHaveURL(/\/accounts\/acme$/);
  await page.getByTestId('hours-link').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Business hours · Acme Santé');
  await expect(page.getByText('No business hours yet.')).toBeVisible();

  const form = page.locator('#schedule-new');
  await form.getByLabel('Name').fill('Front desk');
  await form.getByLabel('Time zone').selectOption('Europe/Paris');
  for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
    await form.getByLabel(`${day} 1 · From`).fill('09:00');
    await form.getByLabel(`${day} 1 · To`).fill('18:00');
  }
  await form.getByLabel('From', { exact: true }).first().fill('2026-12-25');
  await form.getByLabel('Label', { exact: true }).first().fill('Noël');
  await form.getByRole('button', { name: 'Add' }).click();

  const card = page.getByRole('article', { name: 'Front desk' });
  await expect(card.getByTestId('notice')).toBeVisible();
  await expect(card.getByTestId('schedule-state')).toHaveText(/^(Open now — closes|Closed now — opens) \w{3} (\w{3} \d+ )?\d\d:\d\d$/);
  await expect(card.getByRole('definition').first()).toHaveText('09:00–18:00');
  await expect(card.getByText('2026-12-25 Noël')).toBeVisible();

  // Tuesday ends before it starts: the error is at the interval, what was typed stays.
  await form.getByLabel('Name').fill('Evenings');
  await form.getByLabel('Tuesday 1 · From').fill('20:00');
  await form.getByLabel('Tuesday 1 · To').fill('08:00');
  await form.getByRole('button', { name: 'Add' }).click();
  await expect(page.locator('#schedule-new .field-error')).toHaveText('The interval must end after it starts (end at 00:00 for midnight).');
  await expect(page.locator('#schedule-new').getByLabel('Name')).toHaveValue('Evenings');
  await expect(page.locator('#schedule-new').getByLabel('Tuesday 1 · From')).toHaveValue('20:00');
  await expect(page.getByRole('article')).toHaveCount(1);

  // Delete, after a confirmation that names it.
  await card.getByText('Delete', { exact: true }).click();
  await expect(card.getByText('Delete the business hours “Front desk”?')).toBeVisible();
  await card.getByRole('button', { name: 'Yes, delete them' }).click();
  await expect(page.getByText('No business hours yet.')).toBeVisible();
});
