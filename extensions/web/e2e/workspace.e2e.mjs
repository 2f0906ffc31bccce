/**
 * End-to-end test of the workspace against the real product: builds the app, starts the server from
 * the repository root on a free port with a fresh data folder and the demo book, waits for the demo
 * data, then drives Chromium through the worklist (ranking, filters, a task and a pause from a row), the
 * portfolio, an account (next step, tasks, pause), the deal view and the rules
 * (invalid edit, fix, rules in words, simulate, activate after the confirmation, identical refused).
 * Screenshots go to e2e/screenshots/.
 *
 *   node e2e/workspace.e2e.mjs            (CHROMIUM_PATH overrides /usr/bin/chromium)
 *
 * Exits 0 when every step passed, 1 otherwise; the server is always stopped.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, URL } from 'node:url';
import { chromium } from 'playwright-core';
import { parse, stringify } from 'yaml';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WEB = path.resolve(HERE, '..');
const ROOT = path.resolve(WEB, '../..');
const SCREENSHOTS = path.join(HERE, 'screenshots');
const OVERALL_MS = 5 * 60_000;
const DEMO_DATA_MS = 120_000;
const STEP_MS = 90_000;

const serverLog = [];
const apiFailures = [];
let server;
let browser;
let dataDir;
let cleaningUp;

function log(message) {
  process.stdout.write(`${message}\n`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function run(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}`)),
    );
  });
}

function remember(chunk) {
  for (const line of chunk.toString('utf8').split('\n')) {
    if (line.trim() === '') continue;
    serverLog.push(line);
    if (serverLog.length > 200) serverLog.shift();
  }
}

function startServer(port) {
  const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['server/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      // As under `npm start`: the repository's own Node (24, a dev dependency) runs tsx.
      PATH: `${path.join(ROOT, 'node_modules/.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      COLLECTIONS_DATA_DIR: dataDir,
      DEMO_DATA: 'always',
      DEMO_CUSTOMERS: '200',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stopping it also stops the node process tsx starts.
    detached: true,
  });
  child.stdout.on('data', remember);
  child.stderr.on('data', remember);
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return child;
}

async function stopServer() {
  if (server === undefined || server.exitCode !== null || server.signalCode !== null) return;
  const signal = (name) => {
    try {
      process.kill(-server.pid, name);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  const exited = await Promise.race([server.exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!exited) {
    signal('SIGKILL');
    await Promise.race([server.exited, sleep(5_000)]);
  }
}

async function waitForDemoData(base) {
  const deadline = Date.now() + DEMO_DATA_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the server exited with code ${server.exitCode}`);
    try {
      const response = await globalThis.fetch(`${base}/healthz`);
      const body = await response.json();
      last = JSON.stringify(body.demoData ?? body);
      if (body.demoData?.state === 'loaded') return body.demoData;
      if (body.demoData?.state === 'failed') throw new Error(`demo data failed to load: ${last}`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('demo data failed')) throw error;
    }
    await sleep(1_000);
  }
  throw new Error(`demo data not loaded after ${DEMO_DATA_MS / 1000} s (last: ${last})`);
}

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  log(`    screenshot e2e/screenshots/${name}.png`);
}

async function step(name, action) {
  const started = Date.now();
  log(`• ${name}`);
  await action();
  log(`  ✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function addDays(date, days) {
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + days);
  return next.toISOString().slice(0, 10);
}

/** The first rule with a numeric `when.daysPastDue.min` (which must be ≥ 0). */
function findDaysPastDueRule(ruleSet) {
  const index = ruleSet.rules.findIndex((rule) => typeof rule?.when?.daysPastDue?.min === 'number');
  if (index < 0) throw new Error('no rule with when.daysPastDue.min in the active rule set');
  return index;
}

async function replaceEditorText(page, text) {
  const editor = page.getByTestId('rules-editor');
  await editor.fill(text);
}

async function until(check, what) {
  const deadline = Date.now() + STEP_MS;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** "$1,234.56" or "1.234,56 €" → 1234.56 (enough to compare amounts in one currency). */
function amountOf(text) {
  const digits = text.replace(/[^\d.,]/g, '');
  const decimal = /[.,](\d{1,3})$/.exec(digits);
  const whole = decimal === null ? digits : digits.slice(0, -decimal[0].length);
  return Number(`${whole.replace(/[.,]/g, '')}.${decimal?.[1] ?? '0'}`);
}

async function worklistRows(page) {
  const table = page.getByTestId('worklist-table');
  await table.waitFor({ timeout: STEP_MS });
  return table.locator('tbody tr');
}

async function worklist(page, base) {
  // The daily run's tasks exist as soon as the demo book is reported loaded.
  const answer = await (await globalThis.fetch(`${base}/api/v1/worklist?limit=200`)).json();
  const withTasks = answer.data.accounts.filter((row) => row.openTasks > 0).length;
  if (withTasks === 0) throw new Error('no account on the worklist has an open task after start');
  log(
    `    ${answer.data.total} accounts on the worklist in ${answer.data.currency}, ${withTasks} with open tasks`,
  );

  await page.goto(`${base}/#/`);
  await page.getByRole('heading', { level: 1, name: 'Portfolio' }).waitFor({ timeout: STEP_MS });
  const headings = await page.getByRole('heading', { level: 2 }).allInnerTexts();
  if (headings[0] !== 'Worklist') throw new Error(`the first section is "${headings[0]}", not the worklist`);
  let rows = await worklistRows(page);
  const amounts = (await rows.locator('td:nth-of-type(2) strong').allInnerTexts()).map(amountOf);
  if (amounts.length === 0) throw new Error('the worklist has no rows');
  if (amounts.some((amount, index) => index > 0 && amount > (amounts[index - 1] ?? Infinity)))
    throw new Error(`the worklist is not ranked by money at risk: ${amounts.join(', ')}`);
  log(`    money at risk on the first page: ${amounts.slice(0, 5).join(', ')} …`);

  await page.getByLabel('Situation', { exact: true }).selectOption('failed_payment');
  const situationCells = (await worklistRows(page)).locator('td:nth-of-type(1)');
  await until(async () => {
    const cells = await situationCells.allInnerTexts();
    return cells.length > 0 && cells.every((cell) => cell.includes('Failed payment'));
  }, 'only accounts with a failed payment on the worklist');
  rows = await worklistRows(page);
  log(`    ${await rows.count()} rows with a failed payment`);

  await page.getByLabel('Situation', { exact: true }).selectOption('');
  const owner = answer.data.accounts.find((row) => row.owner !== null)?.owner;
  if (owner === undefined) throw new Error('no owner to filter by');
  // Every owner of the book is offered (once the unfiltered list is back).
  await until(
    async () =>
      (await page.getByLabel('Owner', { exact: true }).locator('option').count()) > answer.data.owners.length,
    `the ${answer.data.owners.length} owners of the book in the owner filter`,
  );
  await page.getByLabel('Owner', { exact: true }).selectOption(owner);
  const ownerCells = (await worklistRows(page)).locator('td:nth-of-type(6)');
  await until(async () => {
    const cells = await ownerCells.allInnerTexts();
    return cells.length > 0 && cells.every((cell) => cell.trim() === owner);
  }, `only ${owner}'s accounts on the worklist`);
  log(`    ${await (await worklistRows(page)).count()} rows for ${owner}`);
  await page.getByLabel('Owner', { exact: true }).selectOption('');
  const everyone = new RegExp(`^Accounts 1–\\d+ of ${answer.data.total}$`);
  await page.getByText(everyone).waitFor({ timeout: STEP_MS });

  rows = await worklistRows(page);
  const first = rows.nth(0);
  const firstName = (await first.getByRole('link').textContent())?.trim() ?? '';
  await first.getByRole('button', { name: `Create task for ${firstName}` }).click();
  await first.getByText(/^Task created: /).waitFor({ timeout: STEP_MS });
  const second = rows.nth(1);
  const secondName = (await second.getByRole('link').textContent())?.trim() ?? '';
  const pause = second.getByRole('button', { name: `Pause automation for ${secondName} for 14 days` });
  if ((await pause.count()) > 0) {
    await pause.click();
    await second.getByText(/^Paused until /).waitFor({ timeout: STEP_MS });
  }
  log(`    task created for ${firstName}, automation paused for ${secondName}`);
  // Wide enough for every column, scrolled back to the account names the clicks scrolled away from.
  await page.setViewportSize({ width: 1600, height: 900 });
  await page.getByRole('region', { name: 'Worklist table' }).evaluate((element) => {
    element.scrollLeft = 0;
  });
  await page.locator('section[aria-labelledby="worklist-heading"]').screenshot({
    path: path.join(SCREENSHOTS, 'worklist.png'),
  });
  await page.setViewportSize({ width: 1280, height: 900 });
  log('    screenshot e2e/screenshots/worklist.png');
  await page.locator('[data-testid="aging-chart"] svg[role="img"]').first().waitFor({ timeout: STEP_MS });
  await page.locator('[data-testid="trend-chart"] svg[role="img"]').waitFor({ timeout: STEP_MS });
  await page.locator('[data-testid="dso-chart"] svg[role="img"]').waitFor({ timeout: STEP_MS });
  await page.locator('[data-testid="delinquency-chart"] svg[role="img"]').waitFor({ timeout: STEP_MS });
  await screenshot(page, 'portfolio');
  return firstName;
}

async function account(page, name) {
  await page.getByTestId('worklist-table').getByRole('link', { name, exact: true }).first().click();
  await page.getByRole('heading', { level: 1, name }).waitFor({ timeout: STEP_MS });
  const status = page.getByTestId('account-status');
  await status.waitFor({ timeout: STEP_MS });
  log(`    ${name}: ${await status.textContent()}`);
  await page.getByTestId('timeline').or(page.getByText('No billing history yet.')).waitFor();
  const next = page.locator('section[aria-labelledby="next-step-heading"]');
  const step = (await next.innerText()).replace(/\s+/g, ' ');
  if (/decide next step/i.test(step)) throw new Error(`a circular next step: ${step}`);
  log(`    next step: ${step.replace(/^Recommended next step /, '').slice(0, 120)}`);
  const tasks = page.locator('section[aria-labelledby="tasks-heading"]');
  await tasks.getByText('created by hand').first().waitFor({ timeout: STEP_MS });
  if ((await tasks.getByText('No open tasks.').count()) > 0)
    throw new Error('the account shows no open tasks');
  await screenshot(page, 'account');

  const resume = page.getByRole('button', { name: 'Resume automation' });
  if (await resume.isVisible()) {
    await resume.click();
    await page.getByRole('button', { name: 'Pause automation' }).waitFor({ timeout: STEP_MS });
  }
  const until = page.getByLabel('Paused until');
  const min = (await until.getAttribute('min')) ?? new Date().toISOString().slice(0, 10);
  await page.getByLabel('Reason').fill('E2E: renewal call with the CFO');
  await until.fill(addDays(min, 21));
  await page.getByRole('button', { name: 'Pause automation' }).click();
  await status.filter({ hasText: 'Automation paused' }).waitFor({ timeout: STEP_MS });
  await page.getByRole('button', { name: 'Resume automation' }).waitFor();
  await screenshot(page, 'account-paused');

  await page.setViewportSize({ width: 320, height: 800 });
  await screenshot(page, 'account-320px');
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function deals(page) {
  await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'Deals' }).click();
  await page.getByRole('heading', { level: 1, name: 'Payment terms for a deal' }).waitFor();
  // The customer is searched on the server: the first page of matches, then one chosen.
  const matches = page.getByRole('list', { name: 'Matching customers' });
  await matches.getByRole('button').first().waitFor({ timeout: STEP_MS });
  await matches.getByRole('button').first().click();
  await page.getByText(/^Chosen: /).waitFor();
  await page.getByLabel('Contract amount').fill('120000.00');
  await page.getByRole('button', { name: 'Recommend terms' }).click();
  await page.getByRole('heading', { name: 'Recommendation' }).waitFor({ timeout: STEP_MS });
  await page.locator('.option-recommended').first().waitFor();
  await page.getByText('Cash from signing').first().waitFor();
  await page.getByRole('button', { name: /^Accept/ }).click();
  await page.getByText(/^(Accepted|“.*” was already accepted)/).waitFor({ timeout: STEP_MS });
  await screenshot(page, 'deals');

  // A prospect: no billing history, terms from similar companies, labelled as such.
  await page.getByLabel('Prospect (no billing history)').check();
  await page.getByLabel('Segment').selectOption('mid_market');
  await page.getByLabel('Employees').fill('300');
  await page.getByLabel('Country').fill('DE');
  await page.getByRole('button', { name: 'Recommend terms' }).click();
  await page.getByText(/^Prospect: no billing history/).waitFor({ timeout: STEP_MS });
  await screenshot(page, 'deals-prospect');
}

async function rules(page) {
  await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'Rules' }).click();
  await page.getByRole('heading', { level: 1, name: 'Collection rules' }).waitFor();
  const editor = page.getByTestId('rules-editor');
  await editor.waitFor({ timeout: STEP_MS });
  const activeBefore = page.getByTestId('active-version');
  const versionBefore =
    (await activeBefore.count()) > 0 ? Number(/\d+/.exec(await activeBefore.innerText())?.[0]) : 0;

  const original = parse(await editor.inputValue());
  const index = findDaysPastDueRule(original);
  const problemPath = `rules[${index}].when.daysPastDue.min`;
  const minimum = original.rules[index].when.daysPastDue.min;

  const invalid = parse(stringify(original));
  invalid.rules[index].when.daysPastDue.min = -5;
  await replaceEditorText(page, stringify(invalid));
  await page.getByRole('button', { name: 'Validate' }).click();
  const problems = page.getByTestId('rule-problems');
  await problems.getByRole('button', { name: problemPath }).waitFor({ timeout: STEP_MS });
  log(`    ${(await problems.innerText()).replace(/\s+/g, ' ').trim()}`);
  if ((await page.locator('.gutter-line.has-problem').count()) === 0)
    throw new Error('the offending line is not highlighted');
  await problems.getByRole('button', { name: problemPath }).click();
  const selected = await editor.evaluate((element) =>
    element.value.slice(element.selectionStart, element.selectionEnd),
  );
  if (!selected.includes('-5')) throw new Error(`going to the problem selected "${selected}"`);
  await screenshot(page, 'rules-invalid');

  const fixed = parse(stringify(original));
  fixed.rules[index].when.daysPastDue.min = minimum + 1;
  await replaceEditorText(page, stringify(fixed));
  await page.getByRole('button', { name: 'Validate' }).click();
  await page.getByText(/^Valid: \d+ rules?/).waitFor({ timeout: STEP_MS });

  const words = page.getByTestId('rules-in-words');
  await until(
    async () => (await words.getByRole('listitem').count()) === fixed.rules.length,
    'the rules in words',
  );
  log(`    ${(await words.getByRole('listitem').first().innerText()).replace(/\s+/g, ' ')}`);

  await page.getByRole('button', { name: 'Simulate' }).click();
  const summary = page.getByTestId('simulation-summary');
  await summary.waitFor({ timeout: 3 * 60_000 });
  const columns = await summary.getByRole('columnheader').allInnerTexts();
  if (columns[1] === columns[2]) throw new Error(`both simulated columns are named "${columns[1]}"`);
  log(`    ${(await summary.getByRole('row', { name: /Tasks created/ }).innerText()).replace(/\s+/g, ' ')}`);
  await screenshot(page, 'rules-simulated');

  await page.getByRole('button', { name: 'Activate as a new version' }).click();
  const dialog = page.getByRole('dialog', { name: 'Confirm activation' });
  await dialog.waitFor({ timeout: 3 * 60_000 });
  const impact = dialog.getByTestId('activation-impact');
  log(`    ${(await impact.getByRole('row', { name: /^Tasks/ }).innerText()).replace(/\s+/g, ' ')}`);
  const ruleRows = await dialog.getByTestId('activation-rules').locator('tbody tr').count();
  if (ruleRows < fixed.rules.length)
    throw new Error(`the confirmation lists ${ruleRows} rules, the rule set has ${fixed.rules.length}`);
  const confirm = dialog.getByRole('button', { name: 'Confirm and activate' });
  if (!(await confirm.isDisabled())) throw new Error('the activation can be confirmed without a note');
  await dialog
    .getByLabel('Note for the audit log (required)')
    .fill(`e2e: ${problemPath} from ${minimum} to ${minimum + 1}`);
  await screenshot(page, 'rules-confirm');
  await confirm.click();
  const notice = page.getByText(/^Version \d+ is now active\.$/);
  await notice.waitFor({ timeout: STEP_MS });
  const version = Number(/\d+/.exec(await notice.innerText())?.[0]);
  if (!(version > versionBefore))
    throw new Error(`expected a version after ${versionBefore}, got ${version}`);
  await page
    .getByTestId('active-version')
    .filter({ hasText: `Version ${version}` })
    .waitFor({ timeout: STEP_MS });
  const versions = page.getByTestId('versions-table');
  await versions.getByRole('row', { name: new RegExp(`^v${version}\\b`) }).waitFor();
  await versions.getByRole('row', { name: /^v0 \(default playbook\)/ }).waitFor();
  log(`    version ${version} is active`);

  await page.getByRole('button', { name: 'Activate as a new version' }).click();
  const again = page.getByRole('dialog', { name: 'Confirm activation' });
  await again.getByText(/there is nothing to activate/).waitFor({ timeout: 3 * 60_000 });
  if ((await again.getByRole('button', { name: 'Confirm and activate' }).count()) > 0)
    throw new Error('an identical rule set can be activated');
  await again.getByRole('button', { name: 'Close' }).click();
  log('    the same rule set again: nothing to activate');
  await page.getByTestId('audit-log').waitFor({ timeout: STEP_MS });
  await screenshot(page, 'rules-activated');
}

async function cleanup() {
  cleaningUp ??= (async () => {
    await browser?.close().catch(() => undefined);
    await stopServer();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
  })();
  return cleaningUp;
}

async function main() {
  await mkdir(SCREENSHOTS, { recursive: true });
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  await stat(executablePath).catch(() => {
    throw new Error(`no Chromium at ${executablePath} (set CHROMIUM_PATH)`);
  });

  await step('build the workspace (vite build)', () =>
    run(path.join(WEB, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: WEB }),
  );

  dataDir = await mkdtemp(path.join(tmpdir(), 'collections-e2e-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  await step(`start the server on ${base} and load the demo book`, async () => {
    server = startServer(port);
    const demo = await waitForDemoData(base);
    log(`    demo data: ${JSON.stringify(demo)}`);
    const index = await globalThis.fetch(`${base}/`);
    const html = await index.text();
    if (!index.ok || !html.includes('<div id="root">'))
      throw new Error(`GET / does not serve the workspace (HTTP ${index.status})`);
  });

  browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith('/api/') && response.status() >= 400)
      apiFailures.push(
        `${response.request().method()} ${url.pathname}${url.search} → HTTP ${response.status()}`,
      );
  });
  page.on('requestfailed', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/'))
      apiFailures.push(`${request.method()} ${url.pathname}${url.search} → ${request.failure()?.errorText}`);
  });

  try {
    let first = '';
    await step('worklist: ranked, filtered, a task created and an account paused from a row', async () => {
      first = await worklist(page, base);
    });
    await step('account: next step, open tasks, pause with a reason and a date', () => account(page, first));
    await step('deals: recommend and accept payment terms', () => deals(page));
    await step('rules: invalid edit, fix, in words, simulate, confirm and activate', () => rules(page));
  } catch (error) {
    await page
      .screenshot({ path: path.join(SCREENSHOTS, 'failure.png'), fullPage: true })
      .catch(() => undefined);
    log('    screenshot e2e/screenshots/failure.png');
    const alerts = await page
      .getByRole('alert')
      .allInnerTexts()
      .catch(() => []);
    if (alerts.length > 0)
      log(`    alerts on the page: ${alerts.map((text) => text.replace(/\s+/g, ' ')).join(' | ')}`);
    throw error;
  }
  if (pageErrors.length > 0) throw new Error(`uncaught errors in the page: ${pageErrors.join('; ')}`);
}

const overall = setTimeout(() => {
  log(`✗ the end-to-end test took longer than ${OVERALL_MS / 60_000} minutes`);
  void cleanup().finally(() => process.exit(1));
}, OVERALL_MS);

for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    void cleanup().finally(() => process.exit(1));
  });

let failed = false;
try {
  await main();
  log('✓ workspace end-to-end test passed');
} catch (error) {
  failed = true;
  log(`✗ ${error instanceof Error ? error.message : String(error)}`);
  if (apiFailures.length > 0) log(`  API calls that failed:\n    ${apiFailures.join('\n    ')}`);
  if (serverLog.length > 0) log(`  last server output:\n    ${serverLog.slice(-40).join('\n    ')}`);
} finally {
  await cleanup();
  clearTimeout(overall);
}
process.exit(failed ? 1 : 0);
