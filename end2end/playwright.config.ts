// Browser journeys: Debian's Chromium driven by Playwright (no browser download).
import { defineConfig } from '@playwright/test';

// Every journey runs on SQLite; those tagged @postgres (at least one per
// area) run on PostgreSQL too. On CI a missing PostgreSQL fails the run.
const postgres = process.env.RELAIS_TEST_POSTGRES_URL;
if (process.env.CI && !postgres) {
  throw new Error('RELAIS_TEST_POSTGRES_URL is not set: the @postgres journeys cannot be skipped on CI');
}

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: process.env.CI ? 2 : undefined,
  // One retry on CI: a journey that fails twice fails the run; a failure that
  // passes on retry is reported as flaky (with the server log printed).
  retries: process.env.CI ? 1 : 0,
  forbidOnly: !!process.env.CI,
  projects: [
    { name: 'sqlite' },
    ...(postgres ? [{ name: 'postgres', grep: /@postgres/ }] : []),
  ],
  use: {
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
