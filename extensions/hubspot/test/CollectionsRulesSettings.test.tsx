import { Alert, Button, DateInput, Input, LoadingSpinner, TableRow, TextArea } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { parse } from 'yaml';
import { CollectionsRulesSettings } from '../../../app/settings/CollectionsRulesSettings';
import { change, configureContext, mockCollectionsApi, textOf, type Reply } from './mocks';

const ACTIVE_RULES = {
  name: 'standard',
  renewalWindowDays: 90,
  rules: [{ id: 'first-reminder', when: { daysPastDue: 3 }, then: { task: 'Send a friendly reminder' } }],
};
const DEFAULT_GUARDRAILS = { policies: [{ id: 'enterprise' }, { id: 'smb' }] };

const LIST_RULES = 'GET /api/v1/rules';
const LIST_GUARDRAILS = 'GET /api/v1/terms/guardrails';
const SYNC_STATUS = 'GET /api/v1/crm-sync-status';

const rulesReply: Reply = {
  body: {
    ok: true,
    active: { version: 2, ruleSet: ACTIVE_RULES, createdBy: 'revops@acme.example' },
    default: { name: 'default', rules: [] },
    versions: [
      {
        version: 1,
        createdAt: '2026-10-01T09:00:00Z',
        createdBy: 'revops@acme.example',
        note: 'First',
        active: false,
      },
      {
        version: 2,
        createdAt: '2026-11-01T09:00:00Z',
        createdBy: 'revops@acme.example',
        note: 'Softer',
        active: true,
      },
    ],
  },
};
const guardrailsReply: Reply = {
  body: { ok: true, active: null, default: DEFAULT_GUARDRAILS, versions: [] },
};

function renderSettings(routes: Record<string, Reply | Reply[]>) {
  const api = mockCollectionsApi({
    [LIST_RULES]: rulesReply,
    [LIST_GUARDRAILS]: guardrailsReply,
    [SYNC_STATUS]: { body: { ok: true, connections: [] } },
    'GET /api/v1/settings/task-owners': {
      body: {
        ok: true,
        crm: 'hubspot',
        csmProperty: null,
        chosen: null,
        defaultCsmProperty: null,
        properties: [],
        unavailable: null,
      },
    },
    ...routes,
  });
  const renderer = createRenderer('settings');
  configureContext(renderer.mocks.context);
  renderer.render(<CollectionsRulesSettings />);
  return { ...renderer, requests: api.requests };
}

async function loaded(renderer: ReturnType<typeof renderSettings>) {
  await renderer.waitFor(() => {
    expect(renderer.maybeFind(TextArea, { name: 'ruleSetText' })).not.toBeNull();
    expect(renderer.maybeFind(TextArea, { name: 'guardrailsText' })).not.toBeNull();
  });
}

const sent = (renderer: ReturnType<typeof renderSettings>) =>
  renderer.requests.filter((request) => request.method !== 'GET' || request.path.includes('diff'));

describe('Collections rules settings page', () => {
  it('loads the active rule set and the default guardrails as YAML, with the stored versions', async () => {
    const renderer = renderSettings({});
    // The rule set, the guardrails, the CRM connection and the task owners.
    expect(renderer.findAll(LoadingSpinner)).toHaveLength(4);
    await loaded(renderer);
    expect(parse(renderer.find(TextArea, { name: 'ruleSetText' }).props.value ?? '')).toEqual(ACTIVE_RULES);
    expect(parse(renderer.find(TextArea, { name: 'guardrailsText' }).props.value ?? '')).toEqual(
      DEFAULT_GUARDRAILS,
    );
    expect(textOf(renderer.getRootNode())).toContain('Version 2 is active (by revops@acme.example).');
    expect(textOf(renderer.find(TableRow, (row) => textOf(row).startsWith('2 ')))).toContain('Active');
    expect(renderer.maybeFindByTestId(Button, 'rollback-1')).not.toBeNull();
  });

  it('validates the edited rule set and shows each problem at its path', async () => {
    const renderer = renderSettings({
      'POST /api/v1/rules/validate': {
        body: {
          ok: false,
          error: { path: 'ruleSet.rules.0.when.daysPastDue', message: 'Expected number, received string' },
          problems: [
            { path: 'rules.0.when.daysPastDue', message: 'Expected number, received string' },
            { path: 'rules.0.then', message: 'Required' },
          ],
        },
      },
    });
    await loaded(renderer);
    change(
      renderer.find(TextArea, { name: 'ruleSetText' }),
      'name: standard\nrules:\n  - id: first-reminder\n    when: { daysPastDue: soon }\n',
    );
    renderer.findByTestId(Button, 'ruleSet-validate').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFind(Alert, { title: 'Not valid' })).not.toBeNull());

    expect(sent(renderer)).toEqual([
      {
        method: 'POST',
        path: '/api/v1/rules/validate',
        body: {
          ruleSet: { name: 'standard', rules: [{ id: 'first-reminder', when: { daysPastDue: 'soon' } }] },
        },
      },
    ]);
    const alert = textOf(renderer.find(Alert, { title: 'Not valid' }));
    expect(alert).toContain('ruleSet.rules.0.when.daysPastDue: Expected number, received string');
    expect(alert).toContain('rules.0.then: Required');
  });

  it('reports a YAML syntax error with its line without calling the backend', async () => {
    const renderer = renderSettings({});
    await loaded(renderer);
    change(renderer.find(TextArea, { name: 'ruleSetText' }), 'rules:\n  - id: [unclosed\n');
    renderer.findByTestId(Button, 'ruleSet-validate').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFind(Alert, { title: 'Not valid' })).not.toBeNull());
    expect(textOf(renderer.find(Alert, { title: 'Not valid' }))).toMatch(/^line \d+, column \d+: /);
    expect(sent(renderer)).toEqual([]);
  });

  it('shows the valid rules', async () => {
    const renderer = renderSettings({
      'POST /api/v1/rules/validate': { body: { ok: true, rules: ['first-reminder'] } },
    });
    await loaded(renderer);
    renderer.findByTestId(Button, 'ruleSet-validate').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFind(Alert, { title: 'Valid' })).not.toBeNull());
    expect(textOf(renderer.find(Alert, { title: 'Valid' }))).toBe('Valid: 1 rule (first-reminder).');
    expect(sent(renderer)[0]?.body).toEqual({ ruleSet: ACTIVE_RULES });
  });

  it('asks for a note before activating, then shows why a non-RevOps user is refused', async () => {
    const renderer = renderSettings({
      'POST /api/v1/rules/activate': {
        body: {
          ok: false,
          error: { message: 'only RevOps may activate or roll back rule sets and guardrails' },
        },
      },
    });
    await loaded(renderer);
    renderer.findByTestId(Button, 'ruleSet-activate').trigger('onClick');
    expect(renderer.find(Input, { name: 'ruleSetNote' }).props.validationMessage).toBe('Say why it changes');
    expect(sent(renderer)).toEqual([]);

    change(renderer.find(Input, { name: 'ruleSetNote' }), 'Firmer after 30 days');
    renderer.findByTestId(Button, 'ruleSet-activate').trigger('onClick');
    await renderer.waitFor(() =>
      expect(renderer.maybeFind(Alert, { title: 'Not activated' })).not.toBeNull(),
    );
    expect(sent(renderer)).toEqual([
      {
        method: 'POST',
        path: '/api/v1/rules/activate',
        body: { ruleSet: ACTIVE_RULES, note: 'Firmer after 30 days' },
      },
    ]);
    expect(textOf(renderer.find(Alert, { title: 'Not activated' }))).toBe(
      'only RevOps may activate or roll back rule sets and guardrails',
    );
  });

  it('explains a 403 whose body HubSpot did not pass on', async () => {
    const renderer = renderSettings({ 'POST /api/v1/rules/activate': { status: 403 } });
    await loaded(renderer);
    change(renderer.find(Input, { name: 'ruleSetNote' }), 'Try');
    renderer.findByTestId(Button, 'ruleSet-activate').trigger('onClick');
    await renderer.waitFor(() =>
      expect(renderer.maybeFind(Alert, { title: 'Not activated' })).not.toBeNull(),
    );
    expect(textOf(renderer.find(Alert, { title: 'Not activated' }))).toContain('only RevOps');
  });

  it('activates a new version and reloads the versions', async () => {
    const renderer = renderSettings({
      [LIST_RULES]: [rulesReply, rulesReply],
      'POST /api/v1/rules/activate': { body: { ok: true, version: 3 } },
    });
    await loaded(renderer);
    change(renderer.find(Input, { name: 'ruleSetNote' }), 'Quarter end');
    renderer.findByTestId(Button, 'ruleSet-activate').trigger('onClick');
    await renderer.waitFor(() =>
      expect(renderer.maybeFind(Alert, { title: 'Version 3 is active' })).not.toBeNull(),
    );
    await renderer.waitFor(() =>
      expect(renderer.requests.filter((request) => request.path === '/api/v1/rules')).toHaveLength(2),
    );
  });

  it('simulates the draft against the rules in force and shows the summary numbers', async () => {
    const renderer = renderSettings({
      'POST /api/v1/rules/simulate': {
        body: {
          ok: true,
          summaries: [
            { from: '2026-01-01', to: '2026-06-30', tasks: 40, tasksByRule: { 'first-reminder': 30 } },
            { from: '2026-01-01', to: '2026-06-30', tasks: 55, tasksByRule: { 'first-reminder': 41 } },
          ],
        },
      },
    });
    await loaded(renderer);
    change(renderer.find(DateInput, { name: 'simulateFrom' }), { year: 2026, month: 0, date: 1 });
    change(renderer.find(DateInput, { name: 'simulateTo' }), { year: 2026, month: 5, date: 30 });
    renderer.findByTestId(Button, 'simulate').trigger('onClick');
    await renderer.waitFor(() =>
      expect(
        renderer.maybeFind(TableRow, (row) => textOf(row).startsWith('tasksByRule.first-reminder')),
      ).not.toBeNull(),
    );
    expect(sent(renderer)).toEqual([
      {
        method: 'POST',
        path: '/api/v1/rules/simulate',
        body: { ruleSet: ACTIVE_RULES, from: '2026-01-01', to: '2026-06-30', against: ACTIVE_RULES },
      },
    ]);
    expect(textOf(renderer.find(TableRow, (row) => textOf(row).startsWith('tasks ')))).toBe('tasks 40 55');
    expect(textOf(renderer.find(TableRow, (row) => textOf(row).startsWith('Measure')))).toBe(
      'Measure Draft In force',
    );
  });

  it('compares two stored versions', async () => {
    const renderer = renderSettings({
      'GET /api/v1/rules/diff?from=1&to=2': {
        body: {
          ok: true,
          from: 1,
          to: 2,
          changes: [{ kind: 'changed', path: 'rules.0.when.daysPastDue', before: 7, after: 3 }],
        },
      },
    });
    await loaded(renderer);
    renderer.findByTestId(Button, 'diff').trigger('onClick');
    await renderer.waitFor(() =>
      expect(renderer.maybeFind(TableRow, (row) => textOf(row).startsWith('changed'))).not.toBeNull(),
    );
    expect(textOf(renderer.find(TableRow, (row) => textOf(row).startsWith('changed')))).toBe(
      'changed rules.0.when.daysPastDue 7 → 3',
    );
  });

  it('rolls back to an earlier version with a note', async () => {
    const renderer = renderSettings({ 'POST /api/v1/rules/rollback': { body: { ok: true, version: 1 } } });
    await loaded(renderer);
    change(renderer.find(Input, { name: 'ruleSetNote' }), 'Back to the first');
    renderer.findByTestId(Button, 'rollback-1').trigger('onClick');
    await renderer.waitFor(() =>
      expect(renderer.maybeFind(Alert, { title: 'Rolled back: version 1 is active' })).not.toBeNull(),
    );
    expect(sent(renderer)).toEqual([
      { method: 'POST', path: '/api/v1/rules/rollback', body: { version: 1, note: 'Back to the first' } },
    ]);
  });

  it('validates guardrails, with a generic message when the 422 body is hidden', async () => {
    const renderer = renderSettings({
      'POST /api/v1/terms/guardrails/validate': [
        { body: { ok: true, policies: ['enterprise', 'smb'] } },
        { status: 422 },
      ],
    });
    await loaded(renderer);
    renderer.findByTestId(Button, 'guardrails-validate').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFind(Alert, { title: 'Valid' })).not.toBeNull());
    expect(textOf(renderer.find(Alert, { title: 'Valid' }))).toBe('Valid: 2 policies (enterprise, smb).');
    expect(sent(renderer)[0]?.body).toEqual({ guardrails: DEFAULT_GUARDRAILS });

    renderer.findByTestId(Button, 'guardrails-validate').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFind(Alert, { title: 'Not valid' })).not.toBeNull());
    expect(textOf(renderer.find(Alert, { title: 'Not valid' }))).toBe(
      'The collections service rejected the input.',
    );
  });
});
