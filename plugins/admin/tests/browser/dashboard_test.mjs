// Drives the admin dashboard in Debian's headless Chromium against the real host: see a
// throttled sign-in, sign in as an admin, see the user list, suspend a user, see the audit
// entry appear, export the filtered audit log and the user list as CSV, page through a user's
// timeline.
// Screenshots go to <out>/*.png. Exit status 0 when every step passed.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const arg = (name) => {
  const i = process.argv.indexOf('--' + name);
  if (i < 0 || i + 1 >= process.argv.length) throw new Error(`missing --${name}`);
  return process.argv[i + 1];
};
const SOURCE = arg('source');
const BUILD = arg('build');
const HOST = arg('host');
const OUT = arg('out');
const CHROMIUM = arg('chromium');
const require = createRequire(path.join(OUT, 'package.json'));
const { chromium } = require('playwright-core');

const PASSWORD = 'correct horse battery staple';
const ADMIN = 'operator@example.com';
const TARGET = 'mallory@example.com';
const REASON = 'Chargeback fraud on three invoices';

function log(message) {
  process.stderr.write(`[dashboard test] ${message}\n`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

// The real audit and billing plugins when this build has them, else the test stand-ins.
function pluginEntries() {
  const webRoot = path.join(SOURCE, 'plugins/admin/web');
  const admin = `  - name: admin\n    config: { web_root: '${webRoot}', counters_flush_seconds: 1 }\n`;
  const realAudit = fs.existsSync(path.join(BUILD, 'plugins/libcc_audit.so'));
  const realBilling = fs.existsSync(path.join(BUILD, 'plugins/libcc_billing.so')) && process.env.ADMIN_BROWSER_REAL_BILLING;
  let entries = '';
  if (realAudit) entries += '  - name: audit\n    config: {}\n';
  if (!realAudit || !realBilling) {
    const config = `{ audit: ${!realAudit}, billing: true, credits: true }`;
    entries += `  - name: tp_admin_fakes\n    path: ${path.join(BUILD, 'test-plugins/libcc_tp_admin_fakes.so')}\n    config: ${config}\n`;
  }
  log(`audit: ${realAudit ? 'real plugin' : 'stand-in'}, billing: stand-in`);
  return entries + admin;
}

function writeConfig(dir, port) {
  const config = [
    'server:', '  host: 127.0.0.1', `  port: ${port}`, '  threads: 8',
    'database:', `  url: sqlite://${path.join(dir, 'data/test.db')}`, `  migrations_dir: ${path.join(SOURCE, 'migrations')}`,
    'auth:', '  jwt_secret: browser-test-secret-that-is-long-enough-42',
    // A low limit, so step 0 meets the login throttle (the admin fails only once).
    '  login_failures_per_account: 2', '  login_lock_seconds: 900',
    'logging:', '  level: information',
    `data_dir: ${path.join(dir, 'data')}`,
    `plugin_dir: ${path.join(BUILD, 'plugins')}`,
    'plugins:', pluginEntries(),
  ].join('\n');
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const file = path.join(dir, 'codecouncil.yaml');
  fs.writeFileSync(file, config);
  return file;
}

async function waitForHealth(base, hostProcess) {
  for (let i = 0; i < 300; i++) {
    if (hostProcess.exitCode !== null) throw new Error('the host exited during start-up');
    try {
      if ((await fetch(base + '/healthz')).ok) return;
    } catch (e) {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the host did not answer /healthz within 30 s');
}

// RFC 4180 records (quoted fields may hold commas, quotes and line breaks), header row first.
function parseCsv(text) {
  const records = [];
  let record = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') field += text[++i];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { record.push(field); field = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { record.push(field); records.push(record); record = []; field = ''; i++; }
    else field += c;
  }
  if (field || record.length) { record.push(field); records.push(record); }
  return records;
}

async function signup(base, email) {
  const r = await fetch(base + '/api/auth/signup', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }),
  });
  const body = await r.json();
  if (r.status !== 201) throw new Error(`signup of ${email} failed: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-admin-browser-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = writeConfig(dir, port);
  const hostLog = fs.openSync(path.join(OUT, 'host.log'), 'w');
  const host = spawn(HOST, ['serve', '--config', config], { stdio: ['ignore', hostLog, hostLog] });
  let browser;
  try {
    await waitForHealth(base, host);
    await signup(base, ADMIN);
    const target = await signup(base, TARGET);
    for (const name of ['ada', 'grace', 'linus', 'margaret', 'ken']) await signup(base, `${name}@example.com`);
    // Some figures for the overview's cards and charts.
    const targetId = target.user.id;
    await fetch(base + '/api/test/admin-fakes/subscription', {
      method: 'POST', body: JSON.stringify({ userId: targetId, plan: 'startup_monthly', status: 'active' }),
    });
    for (let i = 0; i < 3; i++)
      await fetch(base + '/api/test/admin-fakes/publish', {
        method: 'POST', body: JSON.stringify({ topic: 'analysis_completed', payload: { userId: targetId, tier: 'startup' } }),
      });

    // A timeline longer than one dashboard page (25): a payment, ledger rows and analysis runs.
    const post = (route, body) => fetch(base + route, { method: 'POST', body: JSON.stringify(body) });
    // Older analysis runs first, so page 1 (newest) holds the payment, the ledger rows and the suspension.
    for (let i = 0; i < 25; i++)
      await post('/api/test/admin-fakes/publish', { topic: 'analysis_completed', payload: { userId: targetId, tier: 'startup' } });
    await post('/api/test/admin-fakes/publish', { topic: 'payment_succeeded',
      payload: { userId: targetId, invoiceId: 'in_browser', amount: 4900, currency: 'usd' } });
    await post('/api/test/admin-fakes/ledger', { userId: targetId, amount: 300, type: 'grant' });
    await post('/api/test/admin-fakes/ledger', { userId: targetId, amount: -5, type: 'debit' });

    const promote = spawnSync(HOST, ['users', 'promote', '--email', ADMIN, '--config', config], { encoding: 'utf8' });
    if (promote.status !== 0) throw new Error('users promote failed: ' + promote.stdout + promote.stderr);
    log('host up on ' + base + ', admin promoted');

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    const problems = [];
    // Every failed request is checked by status below; other console errors (script errors,
    // CSP violations) fail the test.
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') &&
      problems.push('console: ' + m.text()));
    page.on('response', (r) => {
      // Wrong passwords and the throttled sign-in, on purpose.
      const expected = (r.status() === 401 || r.status() === 429) && r.url().endsWith('/api/auth/login');
      if (r.status() >= 400 && !expected) problems.push(`HTTP ${r.status()} for ${r.url()}`);
    });
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    page.setDefaultTimeout(15000);

    // 0. Password guessing: after two wrong passwords the account is locked, and the sign-in
    //    form says how long to wait (the server's 429 with retryAfter).
    await page.goto(base + '/admin');
    const attempt = async (email, password) => {
      await page.fill('#login-email', email);
      await page.fill('#login-password', password);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/auth/login')),
        page.click('#login-submit'),
      ]);
      return response.status();
    };
    for (const guess of ['guess one', 'guess two']) {
      const status = await attempt('ken@example.com', guess);
      if (status !== 401) throw new Error(`a wrong password answered ${status}, expected 401`);
    }
    const throttled = await attempt('ken@example.com', PASSWORD);
    if (throttled !== 429) throw new Error(`the locked account answered ${throttled}, expected 429`);
    await page.waitForSelector('#login-error:has-text("Too many attempts. Try again in 15 minutes.")');
    await page.screenshot({ path: path.join(OUT, 'login-throttled.png'), fullPage: true });
    log('throttled sign-in shown');

    // 1. Sign in.
    await page.fill('#login-email', ADMIN);
    await page.fill('#login-password', 'wrong password here');
    await page.click('#login-submit');
    await page.waitForSelector('#login-error:has-text("not correct")');
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.waitForSelector('.card:has-text("Active subscriptions")');
    await page.waitForSelector('canvas');
    const users = await page.textContent('.cards');
    if (!users.includes('7')) throw new Error('overview does not show 7 users: ' + users);
    await page.screenshot({ path: path.join(OUT, 'overview.png'), fullPage: true });
    log('signed in; overview shown');

    // 2. The user list.
    await page.click('a[data-nav="users"]');
    await page.waitForSelector(`tr:has-text("${TARGET}")`);
    const rows = await page.locator('tbody tr').count();
    if (rows !== 7) throw new Error(`user list shows ${rows} rows, expected 7`);
    await page.fill('input[name="search"]', 'mallory');
    await page.click('form.filters button[type="submit"]');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    await page.screenshot({ path: path.join(OUT, 'users.png'), fullPage: true });
    log('user list shown and searched');

    // 3. Suspend the user from their page; it takes effect on their next request.
    await page.click(`tr:has-text("${TARGET}") a:has-text("Open")`);
    await page.waitForSelector('#suspend-reason');
    await page.click('#suspend');
    await page.waitForSelector('#banner:has-text("Give a reason")');
    await page.fill('#suspend-reason', REASON);
    await page.click('#suspend');
    await page.waitForSelector('#banner:has-text("is suspended")');
    await page.waitForSelector(`#suspended-reason:has-text("${REASON}")`);
    const me = await fetch(base + '/api/auth/me', { headers: { Authorization: 'Bearer ' + target.token } });
    if (me.status !== 403) throw new Error('the suspended user still gets ' + me.status);
    await page.screenshot({ path: path.join(OUT, 'user-suspended.png'), fullPage: true });
    log('user suspended; their token is refused');

    // 4. The audit entry appears (the audit writer is asynchronous: reload until it does).
    let found = false;
    await page.goto(`${base}/admin#/audit?action=user_suspended`);
    for (let i = 0; i < 20 && !found; i++) {
      await page.waitForSelector('form.filters');
      found = (await page.locator(`tbody tr:has-text("user_suspended"):has-text("${REASON}")`).count()) > 0;
      if (!found) {
        await page.waitForTimeout(250);
        await page.reload();
      }
    }
    if (!found) throw new Error('the suspension never appeared in the audit log');
    const severity = await page.textContent('tbody tr:has-text("user_suspended") .badge');
    if (severity.trim() !== 'warning') throw new Error('unexpected severity ' + severity);
    await page.screenshot({ path: path.join(OUT, 'audit.png'), fullPage: true });
    log('audit entry shown');

    // 5. Reactivate, then look at the audit viewer's filters and pager.
    await page.goto(`${base}/admin#/users/${encodeURIComponent(targetId)}`);
    await page.click('#reactivate');
    await page.waitForSelector('#banner:has-text("can sign in again")');
    await page.goto(`${base}/admin#/audit`);
    await page.selectOption('select[name="severity"]', 'info');
    await page.click('form.filters button[type="submit"]');
    await page.waitForFunction(() => location.hash.includes('severity=info'));
    await page.waitForSelector('tbody tr');

    // 5b. Export the audit log as the view filters it: the CSV button downloads exactly the rows
    //     the list shows (the one suspension, not the reactivation or the sign-ups).
    await page.fill('input[name="action"]', 'user_suspended');
    await page.selectOption('select[name="severity"]', 'warning');
    await page.click('form.filters button[type="submit"]');
    await page.waitForFunction(() => location.hash.includes('action=user_suspended'));
    await page.waitForSelector(`tbody tr:has-text("${REASON}")`);
    const listed = await page.locator('tbody tr').count();
    const [auditRequest, auditDownload] = await Promise.all([
      page.waitForRequest((r) => r.url().includes('/api/admin/audit-logs/export?')),
      page.waitForEvent('download'),
      page.click('#export-audit-csv'),
    ]);
    const sent = new URL(auditRequest.url()).searchParams;
    if (sent.get('format') !== 'csv' || sent.get('action') !== 'user_suspended' || sent.get('severity') !== 'warning' ||
        sent.has('limit') || sent.has('offset'))
      throw new Error('the audit export asked for ' + auditRequest.url());
    if (!/^audit-logs-\d{4}-\d{2}-\d{2}\.csv$/.test(auditDownload.suggestedFilename()))
      throw new Error('unexpected audit export file name ' + auditDownload.suggestedFilename());
    const [header, ...records] = parseCsv(fs.readFileSync(await auditDownload.path(), 'utf8'));
    if (header.join(',') !== 'id,userId,action,severity,resourceType,resourceId,metadata,ip,userAgent,requestId,createdAt')
      throw new Error('unexpected audit CSV header ' + header.join(','));
    const column = (name) => header.indexOf(name);
    if (records.length !== listed || records.some((r) => r[column('action')] !== 'user_suspended' || r[column('severity')] !== 'warning'))
      throw new Error(`audit export has ${records.length} rows (list shows ${listed}): ${JSON.stringify(records)}`);
    await page.waitForSelector('#banner:has-text("The export is downloading")');
    const [ndjsonDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-audit-ndjson')]);
    if (!/^audit-logs-\d{4}-\d{2}-\d{2}\.ndjson$/.test(ndjsonDownload.suggestedFilename()))
      throw new Error('unexpected audit export file name ' + ndjsonDownload.suggestedFilename());
    const entries = fs.readFileSync(await ndjsonDownload.path(), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    if (entries.length !== listed || entries.some((e) => e.action !== 'user_suspended' || e.severity !== 'warning'))
      throw new Error(`audit NDJSON export has ${entries.length} entries (list shows ${listed})`);
    log(`audit log CSV and NDJSON exports downloaded: ${records.length} row(s) of the filter`);

    // 6. Export the filtered list as CSV: the button downloads every matching row.
    await page.goto(`${base}/admin#/users?search=example.com`);
    await page.waitForSelector(`tr:has-text("${TARGET}")`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    if (!/^users-\d{8}-\d{6}\.csv$/.test(download.suggestedFilename()))
      throw new Error('unexpected export file name ' + download.suggestedFilename());
    const csv = fs.readFileSync(await download.path(), 'utf8');
    const lines = csv.split('\r\n').filter(Boolean);
    if (!lines[0].startsWith('id,email,name,tier,')) throw new Error('unexpected CSV header ' + lines[0]);
    if (lines.length !== 8 || !csv.includes(TARGET)) throw new Error(`export has ${lines.length - 1} rows, expected 7`);
    await page.waitForSelector('#banner:has-text("The export is downloading")');
    log('CSV export downloaded');

    // 7. The user's timeline, from the user page: every kind in one list, paged by cursor.
    await page.goto(`${base}/admin#/users/${encodeURIComponent(targetId)}`);
    await page.click('#timeline-link');
    await page.waitForSelector('tr[data-kind="payment"]:has-text("Invoice in_browser paid: 49.00 USD")');
    await page.waitForSelector('tr[data-kind="credit"]:has-text("+300 credits (grant)")');
    await page.waitForSelector('tr[data-kind="audit"]:has-text("user_suspended")');
    const rowKeys = () => page.$$eval('tbody tr[data-key]', (rows) => rows.map((r) => r.dataset.key));
    const firstPage = await rowKeys();
    if (firstPage.length !== 25) throw new Error(`timeline page 1 shows ${firstPage.length} rows, expected 25`);
    await page.screenshot({ path: path.join(OUT, 'timeline.png'), fullPage: true });
    await page.click('#timeline-older');
    await page.waitForFunction(() => location.hash.includes('cursor='));
    await page.waitForSelector('tr[data-kind="audit"]:has-text("analysis_completed")');
    const secondPage = await rowKeys();
    if (!secondPage.length || secondPage.some((row) => firstPage.includes(row)))
      throw new Error('timeline page 2 is empty or repeats page 1');
    await page.goBack();
    await page.waitForFunction(() => !location.hash.includes('cursor='));
    await page.waitForSelector('tr[data-kind="payment"]');
    log(`timeline shown: ${firstPage.length} + ${secondPage.length} items over two pages`);

    if (problems.length) throw new Error('browser reported problems:\n  ' + problems.join('\n  '));
    log('PASS: screenshots in ' + OUT);
  } finally {
    if (browser) await browser.close();
    host.kill('SIGTERM');
    await new Promise((r) => (host.exitCode !== null ? r() : host.on('exit', r)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    log('FAIL: ' + (e.stack || e.message));
    log('host log: ' + path.join(OUT, 'host.log'));
    process.exit(1);
  }
);
