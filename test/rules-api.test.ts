import request from 'supertest';
import pino from 'pino';
import { createPgliteStore } from '../src/adapters/postgres';
import type { CalendarDate } from '../src/domain/dates';
import type { TenantId } from '../src/domain/model';
import { DEFAULT_RULE_SET } from '../src/domain/rules/default-rule-set';
import { validateRuleSet } from '../src/domain/rules/rule-set';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { Invoice } from '../src/domain/model';
import type { CollectionsStore } from '../src/ports/store';
import { createInProcessJobQueue } from '../src/adapters/inprocess/job-queue';
import { createRuleSimulationHandler, RULE_SIMULATION } from '../src/jobs/rule-simulation';
import { createHttpApp, type AppState } from '../server/http/app';
import { nextTurn } from '../server/http/simulations-api';
import { hubspotSignatureV3 } from '../server/http/signed-request';
import { apiContract } from './support/api-contract';

const contract = apiContract();

const SECRET = 'test-client-secret';
const BASE = 'https://collections.example.com';
const PORTAL = '4242';

describe('rules and pause API (signed like hubspot.fetch)', () => {
  let store: CollectionsStore;
  let app: ReturnType<typeof createHttpApp>;
  const queue = createInProcessJobQueue();
  let now = Date.now();

  beforeAll(async () => {
    store = await createPgliteStore();
    await store.migrate();
    const session = await store.beginImport(PORTAL as TenantId);
    await session.stageCustomers([
      {
        line: 2,
        row: {
          customerId: 'C-1',
          name: 'Acme',
          segment: 'smb',
          owner: 'dana',
          paymentTerms: 'net_30',
          country: 'US',
          crmCompanyId: null,
          createdOn: null,
          employees: null,
          fundingStage: null,
        },
      },
    ]);
    await session.commit();
    await queue.startWorker({
      [RULE_SIMULATION]: createRuleSimulationHandler({ store, yieldControl: nextTurn }),
    });
    const state: AppState = { startedAt: now, demo: { state: 'off', tenant: PORTAL }, shuttingDown: false };
    app = contract.check(
      createHttpApp({
        store,
        state,
        logger: pino({ level: 'silent' }),
        api: {
          signingSecret: SECRET,
          publicBaseUrl: BASE,
          revopsUsers: ['ana@example.com'],
          demoTenant: 'demo' as TenantId,
          now: () => now,
          today: () => '2026-03-01' as CalendarDate,
          queue,
        },
      }),
    );
  });

  afterAll(async () => {
    await queue.close();
    await store.close();
  });

  const invoice = (invoiceId: string, issuedOn: string, dueOn: string): Invoice => ({
    invoiceId,
    customerId: 'C-1',
    currency: 'USD' as Invoice['currency'],
    amountMinor: 100_000,
    issuedOn: issuedOn as CalendarDate,
    dueOn: dueOn as CalendarDate,
    paidOn: null,
    voidedOn: null,
    subscriptionId: null,
  });

  /** A portal of its own with customer C-1 and these invoices. */
  async function importCustomer(portal: string, invoices: Invoice[]): Promise<void> {
    const session = await store.beginImport(portal as TenantId);
    await session.stageCustomers([
      {
        line: 2,
        row: {
          customerId: 'C-1',
          name: 'Acme',
          segment: 'smb',
          owner: 'dana',
          paymentTerms: 'net_30',
          country: 'US',
          crmCompanyId: null,
          createdOn: null,
          employees: null,
          fundingStage: null,
        },
      },
    ]);
    await session.stageInvoices(invoices.map((row, index) => ({ line: index + 2, row })));
    await session.commit();
  }

  function signed(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    user: string,
    body?: unknown,
    portal = PORTAL,
  ) {
    const url = `/api/v1${path}${path.includes('?') ? '&' : '?'}portalId=${portal}&userEmail=${encodeURIComponent(user)}`;
    const text = body === undefined ? '' : JSON.stringify(body);
    const timestamp = String(now);
    const signature = hubspotSignatureV3(
      SECRET,
      method,
      `${BASE}${url.replace('%40', '@')}`,
      text,
      timestamp,
    );
    const pending =
      method === 'GET'
        ? request(app).get(url)
        : method === 'POST'
          ? request(app).post(url)
          : request(app).delete(url);
    const withHeaders = pending
      .set('X-HubSpot-Signature-v3', signature)
      .set('X-HubSpot-Request-Timestamp', timestamp);
    return body === undefined ? withHeaders : withHeaders.set('Content-Type', 'application/json').send(text);
  }

  it('refuses unsigned, tampered and stale requests', async () => {
    expect(
      (await request(app).get(`/api/v1/rules?portalId=${PORTAL}&userEmail=ana@example.com`)).status,
    ).toBe(401);
    const tampered = await signed('GET', '/rules', 'ana@example.com').set('X-HubSpot-Signature-v3', 'AAAA');
    expect(tampered.status).toBe(401);
    const stale = signed('GET', '/rules', 'ana@example.com');
    now += 6 * 60 * 1000;
    expect((await stale).status).toBe(401);
    now -= 6 * 60 * 1000;
  });

  it('validates a proposal with errors at their paths, answering 200 with ok:false', async () => {
    const response = await signed('POST', '/rules/validate', 'ben@example.com', {
      ruleSet: {
        name: 'x',
        rules: [{ id: 'r', when: { daysPastDue: { min: -1 } }, then: { tone: 'gentle' } }],
      },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      ok: false,
      error: { path: 'ruleSet.rules[0].when.daysPastDue.min' },
    });
    const good = await signed('POST', '/rules/validate', 'ben@example.com', { ruleSet: DEFAULT_RULE_SET });
    expect(good.body).toMatchObject({ ok: true });
  });

  it('starts every portal on version 0, the default playbook, with its YAML text', async () => {
    const read = await signed('GET', '/rules', 'ben@example.com', undefined, '3131');
    expect(read.body.active).toMatchObject({
      version: 0,
      createdBy: 'system',
      note: 'Default collections playbook',
      label: 'v0 (active, "Default collections playbook")',
    });
    expect(parseYaml(read.body.active.source as string)).toEqual(DEFAULT_RULE_SET);
    expect(read.body.versions).toHaveLength(1);
    expect(read.body.versions[0]).toMatchObject({ version: 0, active: true, activatedAt: null });
    expect(parseYaml(read.body.versions[0].source as string)).toEqual(DEFAULT_RULE_SET);
  });

  it('activates only for RevOps, with a note, a change and a preview of this very proposal', async () => {
    const calmer = { ...DEFAULT_RULE_SET, caps: { maxContactsPerWeek: 1, minHoursBetweenContacts: 72 } };
    const calmerSource = `# Calmer: one contact a week.\n${stringifyYaml(calmer)}`;
    const stricter = { ...DEFAULT_RULE_SET, caps: { maxContactsPerWeek: 3, minHoursBetweenContacts: 24 } };
    const activate = (body: object, user = 'ana@example.com') =>
      signed('POST', '/rules/activate', user, body);
    const preview = async (body: object) => {
      const answer = await signed('POST', '/rules/activation-preview', 'ana@example.com', body);
      expect(answer.body).toMatchObject({ ok: true, preview: { token: expect.any(String) } });
      return answer.body.preview as { token: string; identicalToActive: boolean; against: unknown };
    };

    expect((await activate({ ruleSet: calmer, note: 'try' }, 'ben@example.com')).status).toBe(403);
    // The default playbook is version 0 and active: sending it again changes nothing.
    const same = await activate({
      source: `# just a comment\n${stringifyYaml(DEFAULT_RULE_SET)}`,
      note: 'x',
    });
    expect({ status: same.status, code: same.body.error?.code }).toEqual({
      status: 409,
      code: 'identical_to_active',
    });
    expect((await preview({ ruleSet: DEFAULT_RULE_SET })).identicalToActive).toBe(true);
    for (const note of [undefined, '   ']) {
      const noNote = await activate({ source: calmerSource, ...(note === undefined ? {} : { note }) });
      expect({ status: noNote.status, error: noNote.body.error }).toMatchObject({
        status: 422,
        error: { code: 'note_required', path: 'note' },
      });
    }
    const unconfirmed = await activate({ source: calmerSource, note: 'calmer' });
    expect({ status: unconfirmed.status, code: unconfirmed.body.error?.code }).toEqual({
      status: 428,
      code: 'confirmation_required',
    });
    const stricterPreview = await preview({ ruleSet: stricter });
    expect(stricterPreview).toMatchObject({
      identicalToActive: false,
      against: { version: 0, label: 'v0 (active, "Default collections playbook")' },
    });
    const wrongToken = await activate({
      source: calmerSource,
      note: 'calmer',
      previewToken: stricterPreview.token,
    });
    expect(wrongToken.status).toBe(428);

    // Previewed as text, activated as text: the same parsed rules, whatever the comments.
    const calmerPreview = await preview({ source: calmerSource });
    const first = await activate({ source: calmerSource, note: 'calmer', previewToken: calmerPreview.token });
    expect(first.body).toEqual({ ok: true, version: 1 });
    // A preview against version 0 is stale once version 1 is active.
    const stale = await activate({
      ruleSet: stricter,
      note: 'stricter',
      previewToken: stricterPreview.token,
    });
    expect({ status: stale.status, code: stale.body.error?.code }).toEqual({
      status: 428,
      code: 'confirmation_required',
    });
    const second = await activate({
      ruleSet: stricter,
      note: 'stricter',
      previewToken: (await preview({ ruleSet: stricter })).token,
    });
    expect(second.body).toEqual({ ok: true, version: 2 });

    const diff = await signed('GET', '/rules/diff?from=1&to=2', 'ben@example.com');
    // Version 1's text: the comment, name, renewalWindowDays, then caps on line 4 with its two values.
    // Version 2 was sent parsed: its text is the stored body as YAML, caps first (PostgreSQL's key order).
    expect(diff.body.changes).toEqual([
      {
        kind: 'changed',
        path: 'caps.maxContactsPerWeek',
        before: 1,
        after: 3,
        lines: { before: 5, after: 2 },
      },
      {
        kind: 'changed',
        path: 'caps.minHoursBetweenContacts',
        before: 72,
        after: 24,
        lines: { before: 6, after: 3 },
      },
    ]);

    // The text comes back as it was written; version 2 was sent parsed, so it reads as YAML.
    const read = await signed('GET', '/rules', 'ben@example.com');
    expect(read.body.versions.map((v: { version: number }) => v.version)).toEqual([0, 1, 2]);
    expect(read.body.versions[1]).toMatchObject({
      version: 1,
      source: calmerSource,
      note: 'calmer',
      createdBy: 'ana@example.com',
      label: 'v1 ("calmer")',
    });
    expect(validateRuleSet(parseYaml(read.body.versions[2].source as string))).toEqual(
      validateRuleSet(stricter),
    );
    expect(read.body.active).toMatchObject({ version: 2, label: 'v2 (active, "stricter")' });
  });

  it('rolls back with a note to any version, the default playbook (0) included; RevOps only', async () => {
    expect(
      (await signed('POST', '/rules/rollback', 'ben@example.com', { version: 1, note: 'no' })).status,
    ).toBe(403);
    const noNote = await signed('POST', '/rules/rollback', 'ana@example.com', { version: 1 });
    expect({ status: noNote.status, error: noNote.body.error }).toMatchObject({
      status: 422,
      error: { code: 'note_required', path: 'note' },
    });
    expect(
      (
        await signed('POST', '/rules/rollback', 'ana@example.com', {
          version: 0,
          note: 'back to the default',
        })
      ).body,
    ).toEqual({ ok: true, version: 0 });
    const read = await signed('GET', '/rules', 'ben@example.com');
    expect(read.body.active).toMatchObject({ version: 0, createdBy: 'system' });
    expect(parseYaml(read.body.active.source as string)).toEqual(DEFAULT_RULE_SET);
    const events = await store.listEvents(PORTAL as TenantId);
    expect(events.slice(0, 3).map((event) => [event.kind, event.subject, event.actor])).toEqual([
      ['rule_set_rolled_back', 'rule-set:0', 'ana@example.com'],
      ['rule_set_activated', 'rule-set:2', 'ana@example.com'],
      ['rule_set_activated', 'rule-set:1', 'ana@example.com'],
    ]);
  });

  it('previews the impact over the last 90 days against the active version, every rule listed', async () => {
    const portal = '6161';
    await importCustomer(portal, [invoice('INV-1', '2026-01-01', '2026-01-31')]);
    const withoutFirstReminder = {
      ...DEFAULT_RULE_SET,
      caps: { maxContactsPerWeek: 1, minHoursBetweenContacts: 48 },
      rules: DEFAULT_RULE_SET.rules.filter((rule) => rule.id !== 'overdue-7'),
    };
    const answer = await signed(
      'POST',
      '/rules/activation-preview',
      'ben@example.com',
      { source: stringifyYaml(withoutFirstReminder) },
      portal,
    );
    // Today is 2026-03-01: the window opens on 2025-12-02. The invoice is 7 days past due on 02-07 (the
    // first reminder) and 15 on 02-15 (the second); 30 days would be 03-02, after the window.
    expect(answer.body.preview).toMatchObject({
      identicalToActive: false,
      against: { version: 0, label: 'v0 (active, "Default collections playbook")' },
      proposed: { label: 'proposed' },
      from: '2025-12-02',
      to: '2026-03-01',
      windowDays: 90,
      impact: {
        active: {
          tasks: 2,
          accountsContacted: 1,
          contactsInRenewalWindow: 0,
          peakTasksPerAssignee: { assignee: 'finance_queue', tasks: 1 },
          maxContactsPerAccountWeek: 1,
          contactCapPerWeek: 2,
        },
        proposed: {
          tasks: 1,
          accountsContacted: 1,
          contactsInRenewalWindow: 0,
          peakTasksPerAssignee: { assignee: 'finance_queue', tasks: 1 },
          maxContactsPerAccountWeek: 1,
          contactCapPerWeek: 1,
        },
      },
    });
    const rules = answer.body.preview.rules as {
      id: string;
      active: { tasks: number };
      proposed: { tasks: number };
    }[];
    expect(rules.map((rule) => rule.id).sort()).toEqual(DEFAULT_RULE_SET.rules.map((rule) => rule.id).sort());
    const tasks = Object.fromEntries(
      rules.map((rule) => [rule.id, [rule.active.tasks, rule.proposed.tasks]]),
    );
    expect(tasks['overdue-7']).toEqual([1, 0]);
    expect(tasks['overdue-15']).toEqual([1, 1]);
    expect(tasks['overdue-60']).toEqual([0, 0]);

    const simulated = await signed(
      'POST',
      '/rules/simulate',
      'ben@example.com',
      {
        source: stringifyYaml(withoutFirstReminder),
        against: DEFAULT_RULE_SET,
        from: '2026-02-01',
        to: '2026-02-28',
      },
      portal,
    );
    expect(simulated.body.labels).toEqual({
      baseline: 'v0 (active, "Default collections playbook")',
      proposed: 'proposed',
    });
    expect(simulated.body.summaries[1]).toMatchObject({
      tasks: 2,
      contactsPerAccountWeek: { max: 1, cap: 2 },
      skippedByRail: { open_task: 1, paused: 0, contact_cap: 0 },
      accountsSkippedByRails: 1,
    });
    expect(simulated.body.summaries[0].tasksByRule['overdue-7']).toBeUndefined();
    expect(simulated.body.summaries[1].tasksByRule['churn-revoked-authorization']).toBe(0);
  });

  it('answers problems in a source with their line and column', async () => {
    const response = await signed('POST', '/rules/validate', 'ben@example.com', {
      source:
        'name: x\nrules:\n  - id: r\n    when:\n      daysPastDue: { min: -1 }\n    then: { tone: gentle }\n',
    });
    expect(response.body).toMatchObject({
      ok: false,
      // `      daysPastDue: { min: -1 }`: the value -1 starts in column 27.
      error: { path: 'source.rules[0].when.daysPastDue.min', line: 5, column: 27 },
      problems: [{ path: 'rules[0].when.daysPastDue.min', line: 5, column: 27 }],
    });
    const broken = await signed('POST', '/rules/validate', 'ben@example.com', { source: 'name: [x\n' });
    expect(broken.body).toMatchObject({ ok: false, error: { path: 'source.(document)', line: 2 } });
  });

  it('answers 422 naming the parameter for a diff between versions that are not numbers', async () => {
    for (const [query, field] of [
      ['from=abc&to=2', 'from'],
      ['from=1&to=2.5', 'to'],
      ['from=1&to=1e30', 'to'],
      ['from=-1&to=1', 'from'],
      ['from=99999999999&to=1', 'from'],
      ['to=1', 'from'],
      ['from=1&from=2&to=1', 'from'],
    ] as const) {
      const response = await signed('GET', `/rules/diff?${query}`, 'ben@example.com');
      expect({ query, status: response.status, body: response.body }).toMatchObject({
        query,
        status: 422,
        body: { ok: false, error: { path: field } },
      });
    }
    const unknown = await signed('GET', '/rules/diff?from=1&to=2147483647', 'ben@example.com');
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ ok: false, error: { message: 'unknown version 2147483647' } });
  });

  it('simulates a proposal over the history', async () => {
    const response = await signed('POST', '/rules/simulate', 'ben@example.com', {
      ruleSet: DEFAULT_RULE_SET,
      from: '2026-01-01',
      to: '2026-01-31',
    });
    expect(response.body).toMatchObject({ ok: true, summaries: [{ days: 31, accounts: 1, tasks: 0 }] });
  });

  it('answers 422 naming `to` for a span longer than a request or a job replays', async () => {
    const ask = (route: string, from: string, to: string) =>
      signed('POST', route, 'ben@example.com', { ruleSet: DEFAULT_RULE_SET, from, to });
    for (const [route, from, to] of [
      ['/rules/simulate', '1900-01-01', '2999-12-31'],
      ['/rules/simulate', '2025-01-01', '2026-01-02'],
      ['/rules/simulate', '2026-02-01', '2026-01-31'],
      ['/rules/simulations', '1900-01-01', '2999-12-31'],
      ['/rules/simulations', '2016-01-01', '2026-01-08'],
    ] as const) {
      const response = await ask(route, from, to);
      expect({ route, from, to, status: response.status, body: response.body }).toMatchObject({
        route,
        from,
        to,
        status: 422,
        body: { ok: false, error: { path: 'to' } },
      });
    }
    // 2024 is a leap year: 366 days are one request; 3,660 days are one job.
    expect((await ask('/rules/simulate', '2024-01-01', '2024-12-31')).body).toMatchObject({
      ok: true,
      summaries: [{ days: 366 }],
    });
    expect((await ask('/rules/simulations', '2016-01-01', '2026-01-07')).status).toBe(202);
  });

  it('refuses a book too large for one request (422) and answers one just inside the bound', async () => {
    const big = '7777';
    const session = await store.beginImport(big as TenantId);
    await session.stageCustomers(
      Array.from({ length: 1100 }, (_, index) => ({
        line: index + 2,
        row: {
          customerId: `B-${String(index).padStart(4, '0')}`,
          name: null,
          segment: null,
          owner: null,
          paymentTerms: null,
          country: null,
          crmCompanyId: null,
          createdOn: null,
          employees: null,
          fundingStage: null,
        },
      })),
    );
    await session.commit();
    const ask = (to: string) =>
      signed(
        'POST',
        '/rules/simulate',
        'ben@example.com',
        { ruleSet: DEFAULT_RULE_SET, from: '2025-01-01', to },
        big,
      );
    // 1,100 accounts × 365 days = 401,500 account-days; × 364 days = 400,400; × 363 = 399,300.
    const tooBig = await ask('2025-12-30');
    expect(tooBig.status).toBe(422);
    expect(tooBig.body).toMatchObject({ ok: false, error: { code: 'simulation_too_large' } });
    expect(tooBig.body.error.message).toContain('/api/v1/rules/simulations');
    const fits = await ask('2025-12-29');
    expect(fits.status).toBe(200);
    expect(fits.body).toMatchObject({ ok: true, summaries: [{ days: 363, accounts: 1100, tasks: 0 }] });
  });

  it('runs a long simulation as a job: 202, progress and result polled, visible to its tenant only', async () => {
    const started = await signed('POST', '/rules/simulations', 'ben@example.com', {
      ruleSet: DEFAULT_RULE_SET,
      against: DEFAULT_RULE_SET,
      from: '2024-01-01',
      to: '2025-12-31',
    });
    expect(started.status).toBe(202);
    const id = started.body.simulation.id as string;
    expect(started.body.simulation).toMatchObject({
      id,
      from: '2024-01-01',
      to: '2025-12-31',
      poll: `/api/v1/rules/simulations/${id}`,
    });
    let simulation: { state: string; accounts: unknown; summaries?: unknown } | undefined;
    for (let polls = 0; polls < 600; polls += 1) {
      const polled = await signed('GET', `/rules/simulations/${id}`, 'ben@example.com');
      expect(polled.status).toBe(200);
      simulation = polled.body.simulation;
      if (simulation?.state === 'done' || simulation?.state === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // 2024 has 366 days, 2025 has 365; the tenant has one customer, with no invoices.
    // Both sides are the default playbook, version 0 (active again since the rollback).
    expect(simulation).toMatchObject({
      state: 'done',
      labels: {
        proposed: 'v0 (active, "Default collections playbook")',
        baseline: 'v0 (active, "Default collections playbook") (baseline)',
      },
      accounts: { done: 1, total: 1 },
      summaries: [
        { days: 731, accounts: 1, tasks: 0 },
        { days: 731, accounts: 1, tasks: 0 },
      ],
    });
    const foreign = await signed('GET', `/rules/simulations/${id}`, 'ben@example.com', undefined, '5555');
    expect(foreign.status).toBe(404);
    expect((await signed('GET', '/rules/simulations/not-a-simulation', 'ben@example.com')).status).toBe(404);
  });

  it('lets only RevOps choose the CSM property, per signed portal; none needs no CRM to check it', async () => {
    const denied = await signed('POST', '/settings/task-owners', 'ben@example.com', { csmProperty: null });
    expect(denied.status).toBe(403);
    expect(await store.getCrmOwnerSettings(PORTAL as TenantId, 'hubspot')).toBeUndefined();
    // Without a HubSpot connection a property cannot be checked against the portal's: refused.
    const unchecked = await signed('POST', '/settings/task-owners', 'ana@example.com', {
      csmProperty: 'csm_owner',
    });
    expect(unchecked.body).toMatchObject({ ok: false, error: { path: 'csmProperty' } });
    const none = await signed('POST', '/settings/task-owners', 'ana@example.com', { csmProperty: null });
    expect(none.body).toEqual({ ok: true, csmProperty: null });
    const read = await signed('GET', '/settings/task-owners', 'ben@example.com');
    expect(read.body).toMatchObject({
      ok: true,
      csmProperty: null,
      chosen: { by: 'ana@example.com' },
      properties: null,
      unavailable: 'HubSpot is not connected for this portal',
    });
  });

  it('pauses and resumes one account with reason, expiry and who did it', async () => {
    const paused = await signed('POST', '/accounts/C-1/pause', 'dana@example.com', {
      reason: 'renewal call',
      until: '2026-03-20',
    });
    expect(paused.body).toEqual({ ok: true, paused: { reason: 'renewal call', until: '2026-03-20' } });
    expect(await store.getAutomationPause(PORTAL as TenantId, 'C-1')).toEqual({
      reason: 'renewal call',
      until: '2026-03-20',
    });
    const past = await signed('POST', '/accounts/C-1/pause', 'dana@example.com', {
      reason: 'x',
      until: '2026-02-01',
    });
    expect(past.body).toMatchObject({ ok: false, error: { path: 'until' } });
    const unknown = await signed('POST', '/accounts/C-9/pause', 'dana@example.com', {
      reason: 'x',
      until: '2026-04-01',
    });
    expect(unknown.body).toMatchObject({ ok: false });
    const resumed = await signed('DELETE', '/accounts/C-1/pause', 'dana@example.com');
    expect(resumed.body).toEqual({ ok: true, resumed: true });
    const events = await store.listEvents(PORTAL as TenantId, { subject: 'C-1' });
    expect(events.map((event) => [event.kind, event.actor])).toEqual([
      ['automation_resumed', 'dana@example.com'],
      ['automation_paused', 'dana@example.com'],
    ]);
  });
});
