// A fresh Relais per test: its own database (a SQLite file; in the
// `postgres` project a new PostgreSQL database, dropped afterwards), the demo
// seeded, the real binary on a random port.
import { test as base, expect, Page } from '@playwright/test';
import { spawn, execFileSync, ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BIN = process.env.RELAIS_BIN ?? path.join(ROOT, 'target/debug/relais');
const SITE = process.env.LEPTOS_SITE_ROOT ?? path.join(ROOT, 'target/site');
export const DEMO_PASSWORD = 'relais-demo-lantern-42';

export type Relais = {
  url: string;
  databaseUrl: string;
  cli: (...args: string[]) => string;
  /** A local webhook (on Relais's allow-list) that answers with a say-message action. */
  webhookUrl: string;
  /** The JSON bodies the webhook received. */
  webhookRequests: unknown[];
  /** The runtime API token the demo printed (runtime:read, runtime:events). */
  demoToken: string;
  /** The messages the local SMTP server received (RELAIS_SMTP_URL points to it). */
  mails: string[];
};

/** A local SMTP server that accepts every message and keeps its data. */
async function startSmtp(): Promise<{ server: net.Server; url: string; mails: string[] }> {
  const mails: string[] = [];
  const server = net.createServer((socket) => {
    let buffer = '';
    let data: string | null = null;
    socket.write('220 e2e ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let end;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data !== null) {
          if (line === '.') {
            mails.push(data);
            data = null;
            socket.write('250 queued\r\n');
          } else data += line + '\n';
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-e2e\r\n250 8BITMIME\r\n');
        else if (verb === 'DATA') {
          data = '';
          socket.write('354 go on\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return { server, url: `smtp://127.0.0.1:${port}`, mails };
}

/** The first link of a quoted-printable e-mail. */
export function linkInMail(mail: string): string {
  const flat = mail.replace(/=\n/g, '').replace(/=3D/g, '=');
  const m = flat.match(/http:\/\/\S+token=[0-9a-f]{64}/);
  if (!m) throw new Error(`no link in the e-mail:\n${mail}`);
  return m[0];
}

/** A local failover webhook for the Test button. */
async function startWebhook(): Promise<{ server: http.Server; url: string; requests: unknown[] }> {
  const requests: unknown[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        requests.push(JSON.parse(body));
      } catch {
        requests.push(body);
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ action: { type: 'say_message', text: 'Rappelez-nous demain.', language: 'fr-FR' } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/failover`, requests };
}

/** A new database for one test: a SQLite file in `dir`, or on PostgreSQL in the `postgres` project. */
function newDatabase(project: string, dir: string): { url: string; drop: () => void } {
  if (project !== 'postgres') return { url: `sqlite:${dir}/relais.db`, drop: () => {} };
  const admin = process.env.RELAIS_TEST_POSTGRES_URL;
  if (!admin) throw new Error('RELAIS_TEST_POSTGRES_URL is not set (make test starts a PostgreSQL)');
  const name = `relais_e2e_${randomUUID().replace(/-/g, '')}`;
  execFileSync('psql', [admin, '-qc', `CREATE DATABASE ${name}`]);
  return {
    url: `${admin.slice(0, admin.lastIndexOf('/'))}/${name}`,
    drop: () => execFileSync('psql', [admin, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]),
  };
}

async function started(proc: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`relais did not start in 30 s:\n${out}`)), 30_000);
    proc.stdout!.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`relais exited with ${code}:\n${out}`));
    });
  });
}

export const test = base.extend<{ relais: Relais }>({
  relais: async ({}, use, testInfo) => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`cargo leptos build\` (make test does)`);
    const dir = mkdtempSync(path.join(tmpdir(), 'relais-e2e-'));
    const database = newDatabase(testInfo.project.name, dir);
    const databaseUrl = database.url;
    const webhook = await startWebhook();
    const smtp = await startSmtp();
    const env = {
      ...process.env,
      LEPTOS_SITE_ROOT: SITE,
      RELAIS_LOG: 'warn',
      RELAIS_WEBHOOK_ALLOW: new URL(webhook.url).host,
      RELAIS_SNAPSHOT_FILE: path.join(dir, 'snapshot.bin'),
      RELAIS_SMTP_URL: smtp.url,
    };
    const cli = (...args: string[]) =>
      execFileSync(BIN, ['--database-url', databaseUrl, ...args], { encoding: 'utf8', env });
    const demoOut = cli('demo');
    const demoToken = (demoOut.match(/relais_rt_[A-Za-z0-9]+/) ?? [''])[0];
    const proc = spawn(BIN, ['--database-url', databaseUrl, 'serve', '--addr', '127.0.0.1:0'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let serverLog = '';
    proc.stderr!.on('data', (chunk) => {
      serverLog += chunk;
    });
    try {
      const url = await started(proc);
      await use({
        url,
        databaseUrl,
        cli,
        webhookUrl: webhook.url,
        webhookRequests: webhook.requests,
        demoToken,
        mails: smtp.mails,
      });
    } finally {
      if (testInfo.status !== testInfo.expectedStatus && serverLog) {
        await testInfo.attach('relais server log', { body: serverLog, contentType: 'text/plain' });
        console.log(`--- relais server log (${testInfo.title}) ---\n${serverLog.slice(-4000)}`);
      }
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      webhook.server.close();
      smtp.server.close();
      database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
  baseURL: async ({ relais }, use) => {
    await use(relais.url);
  },
  // A script error or a console error (a failed hydration, say) fails the test.
  page: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      // Refusals the test provokes (401, 404, 409, 422…) are logged by Chromium too.
      if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push(`console: ${m.text()}`);
    });
    await use(page);
    expect(errors, 'errors in the browser').toEqual([]);
  },
});

/** Waits until the WebAssembly has taken over the server-rendered page. */
export async function hydrated(page: Page) {
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
}

/** Signs in through the form, as a person would. */
export async function signIn(page: Page, email: string, password = DEMO_PASSWORD, opts = { js: true }) {
  await page.goto('/signin');
  if (opts.js) await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export { expect };
