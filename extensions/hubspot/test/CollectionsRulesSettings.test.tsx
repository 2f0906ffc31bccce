import {
  Alert,
  Button,
  DateInput,
  Input,
  List,
  LoadingSpinner,
  TableRow,
  TextArea,
  Tile,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { parse } from 'yaml';
import { CollectionsRulesSettings } from '../../../app/settings/CollectionsRulesSettings';
import { API_URL, change, configureContext, mockCollectionsApi, textOf, type Reply } from './mocks';

const ACTIVE_RULES = {
  name: 'standard',
  renewalWindowDays: 90,
  rules: [{ id: 'first-reminder', when: { daysPastDue: 3 }, then: { task: 'Send a friendly reminder' } }],
};
/** ACTIVE_RULES as its author wrote it: the comment and the flow style are kept. */
const ACTIVE_SOURCE = `# Standard: one friendly reminder.
name: standard
renewalWindowDays: 90
rules:
  - { id: first-reminder, when: { daysPastDue: 3 }, then: { task: Send a friendly reminder } }
`;
const DEFAULT_SOURCE = '# The default collections playbook\nname: default\nrules: []\n';
const FIRST_REMINDER_WORDS =
  'When the oldest overdue invoice is exactly 3 days past due: a task for the finance queue.';
const DEFAULT_GUARDRAILS = { policies: [{ id: 'enterprise' }, { id: 'smb' }] };

const LIST_RULES = 'GET /api/v1/rules';
const LIST_GUARDRAILS = 'GET /api/v1/terms/guardrails';
const SYNC_STATUS = 'GET /api/v1/crm-sync-status';
const PREVIEW = 'POST /api/v1/rules/activation-preview';

const rulesReply: Reply = {
  body: {
    ok: true,
    active: { version: 2, ruleSet: ACTIVE_RULES, createdBy: 'revops@acme.example', source: ACTIVE_SOURCE },
    default: { name: 'default', rules: [] },
    versions: [
      {
        version: 0,
        createdAt: '2026-09-01T00:00:00Z',
        createdBy: 'system',
        note: 'Default collections playbook',
        active: false,
        source: DEFAULT_SOURCE,
      },
      {
        version: 1,
        createdAt: '2026-10-01T09:00:00Z',
        createdBy: 'revops@acme.example',
        note: 'First',
        active: false,
        source: 'name: first\nrules: []\n',
      },
      {
        version: 2,
        createdAt: '2026-11-01T09:00:00Z',
        createdBy: 'revops@acme.example',
        note: 'Softer',
        active: true,
        source: ACTIVE_SOURCE,
      },
    ],
    described: [{ id: 'first-reminder', text: FIRST_REMINDER_WORDS }],
  },
};

function impact(overrides: Record<string, unknown> = {}) {
  return {
    tasks: 40,
    accountsContacted: 30,
    contactsInRenewalWindow: 6,
    peakTasksPerAssignee: { assignee: 'finance_queue', tasks: 9 },
    maxContactsPerAccountWeek: 2,
    contactCapPerWeek: 2,
    ...overrides,
  };
}

function previewReply(overrides: Record<string, unknown> = {}): Reply {
  return {
    body: {
      ok: true,
      preview: {
        token: 'token-1',
        identicalToActive: false,
        against: { version: 2, label: 'v2 (active, "Softer")' },
        proposed: { label: 'proposed' },
        from: '2026-08-29',
        to: '2026-11-26',
        windowDays: 90,
        impact: {
          active: impact(),
          proposed: impact({ tasks: 55, contactsInRenewalWindow: 2, maxContactsPerAccountWeek: 3 }),
        },
        rules: [
          { id: 'first-reminder', label: 'first-reminder', active: { tasks: 40 }, proposed: { tasks: 55 } },
          { id: 'final-notice', label: 'final-notice', active: { tasks: 0 }, proposed: { tasks: 0 } },
        ],
        ...overrides,
      },
    },
  };
}
const guardrailsReply: Reply = {
  body: { ok: true, active: null, default: DEFAULT_GUARDRAILS, versions: [] },
};

let rendered = 0;

/** Each render talks to its own backend URL, so a check an earlier render left pending is not counted. */
function renderSettings(routes: Record<string, Reply | Reply[]>) {
  rendered += 1;
  const apiUrl = `${API_URL}/page-${rendered}`;
  const api = mockCollectionsApi(
    {
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
    },
    apiUrl,
  );
  const renderer = createRenderer('settings');
  configureContext(renderer.mocks.context, undefined, apiUrl);
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

const confirmation = (renderer: ReturnType<typeof renderSettings>) =>
  renderer.maybeFindByTestId(Tile, 'activation-confirm');

async function openConfirmation(renderer: ReturnType<typeof renderSettings>) {
  renderer.findByTestId(Button, 'ruleSet-activate').trigger('onClick');
  await renderer.waitFor(() => expect(confirmation(renderer)).not.toBeNull());
  return renderer.findByTestId(Tile, 'activation-confirm');
}

const rowText = (node: Parameters<typeof textOf>[0], start: string) => {
  const row = (node as ReturnType<ReturnType<typeof renderSettings>['find']>)
    .findAll(TableRow)
    .find((candidate) => textOf(candidate).startsWith(start));
  return row === undefined ? undefined : textOf(row);
};

describe('Collections rules settings page', () => {
  it('loads the active rule set as written, its rules in words, the versions from 0, the default guardrails', async () => {
    const renderer = renderSettings({});
    // The rule set, the guardrails, the CRM connection and the task owners.
    expect(renderer.findAll(LoadingSpinner)).toHaveLength(4);
    await loaded(renderer);
    expect(renderer.find(TextArea, { name: 'ruleSetText' }).props.value).toBe(ACTIVE_SOURCE);
    expect(parse(ACTIVE_SOURCE)).toEqual(ACTIVE_RULES);
    expect(parse(renderer.find(TextArea, { name: 'guardrailsText' }).props.value ?? '')).toEqual(
      DEFAULT_GUARDRAILS,
    );
    expect(textOf(renderer.findByTestId(List, 'rules-in-words'))).toBe(
      `first-reminder: ${FIRST_REMINDER_WORDS}`,
    );
    expect(textOf(renderer.getRootNode())).toContain('Version 2 is active (by revops@acme.example).');
    expect(textOf(renderer.find(TableRow, (row) => textOf(row).startsWith('2 ')))).toContain('Active');
    expect(
      textOf(renderer.find(TableRow, (row) => textOf(row).startsWith('0 (default playbook)'))),
    ).toContain('Roll back to 0');
    expect(renderer.maybeFindByTestId(Button, 'rollback-1')).not.toBeNull();
  });

  it('opens a stored version in the editor exactly as it was written', async () => {
    const renderer = renderSettings({});
    await loaded(renderer);
    renderer.findByTestId(Button, 'open-0').trigger('onClick');
    expect(renderer.find(TextArea, { name: 'ruleSetText' }).props.value).toBe(DEFAULT_SOURCE);
    renderer.findByTestId(Button, 'ruleSet-default').trigger('onClick');
    expect(renderer.find(TextArea, { name: 'ruleSetText' }).props.value).toBe(DEFAULT_SOURCE);
  });

  it('validates the edited rule set as written and shows each problem at its path, line and column', async () => {
    const edited = 'name: standard\nrules:\n  - id: first-reminder\n    when: { daysPastDue: soon }\n';
    const renderer = renderSettings({
      'POST /api/v1/rules/validate': {
        body: {
          ok: false,
          error: { path: 'source.rules.0.when.daysPastDue', message: 'Expected number, received string' },
          problems: [
            {
              path: 'rules.0.when.daysPastDue',
              message: 'Expected number, received string',
              line: 4,
              column: 13,
            },
            { path: 'rules.0.then', message: 'Required', line: 3 },
          ],
        },
      },
    });
    await loaded(renderer);
    change(renderer.find(TextArea, { name: 'ruleSetText' }), edited);
    renderer.findByTestId(Button, 'ruleSet-validate').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFind(Alert, { title: 'Not valid' })).not.toBeNull());

    expect(sent(renderer)[0]).toEqual({
      method: 'POST',
      path: '/api/v1/rules/validate',
      body: { source: edited },
    });
    const alert = textOf(renderer.find(Alert, { title: 'Not valid' }));
    expect(alert).toContain('source.rules.0.when.daysPastDue: Expected number, received string');
    expect(alert).toContain('rules.0.when.daysPastDue (line 4, column 13): Expected number, received string');
    expect(alert).toContain('rules.0.then (line 3): Required');
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

  it('shows the valid rules and their words', async () => {
    const renderer = renderSettings({
      'POST /api/v1/rules/validate': {
        body: {
          ok: true,
          rules: ['first-reminder'],
          described: [{ id: 'first-reminder', text: 'When an invoice is overdue: a task.' }],
        },
      },
    });
    await loaded(renderer);
    renderer.findByTestId(Button, 'ruleSet-validate').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFind(Alert, { title: 'Valid' })).not.toBeNull());
    expect(textOf(renderer.find(Alert, { title: 'Valid' }))).toBe('Valid: 1 rule (first-reminder).');
    expect(sent(renderer)[0]?.body).toEqual({ source: ACTIVE_SOURCE });
    await renderer.waitFor(() =>
      expect(textOf(renderer.findByTestId(List, 'rules-in-words'))).toBe(
        'first-reminder: When an invoice is overdue: a task.',
      ),
    );
  });

  it('updates the rules in words once the edited text rests and validates', async () => {
    const edited = ACTIVE_SOURCE.replace('daysPastDue: 3', 'daysPastDue: 5');
    const renderer = renderSettings({
      'POST /api/v1/rules/validate': {
        body: {
          ok: true,
          rules: ['first-reminder'],
          described: [{ id: 'first-reminder', text: 'exactly 5 days past due' }],
        },
      },
    });
    await loaded(renderer);
    change(renderer.find(TextArea, { name: 'ruleSetText' }), edited);
    await renderer.waitFor(
      () =>
        expect(textOf(renderer.findByTestId(List, 'rules-in-words'))).toBe(
          'first-reminder: exactly 5 days past due',
        ),
      { timeoutInMs: 3000 },
    );
    expect(sent(renderer)).toEqual([
      { method: 'POST', path: '/api/v1/rules/validate', body: { source: edited } },
    ]);
  });

  it('activates only after a confirmation showing the simulated impact, with a note', async () => {
    const renderer = renderSettings({
      [LIST_RULES]: [rulesReply, rulesReply],
      [PREVIEW]: previewReply(),
      'POST /api/v1/rules/activate': { body: { ok: true, version: 3 } },
    });
    await loaded(renderer);
    const tile = await openConfirmation(renderer);
    expect(sent(renderer)).toEqual([
      { method: 'POST', path: '/api/v1/rules/activation-preview', body: { source: ACTIVE_SOURCE } },
    ]);
    expect(rowText(tile, 'Measure')).toBe('Measure v2 (active, "Softer") proposed Change');
    expect(rowText(tile, 'Tasks')).toBe('Tasks 40 55 +15');
    expect(rowText(tile, 'Contacts in the renewal window')).toBe('Contacts in the renewal window 6 2 −4');
    expect(rowText(tile, 'Peak tasks')).toBe(
      'Peak tasks for one assignee in a week 9 (finance queue) 9 (finance queue) same',
    );
    expect(rowText(tile, 'Most contacts')).toBe(
      'Most contacts to one account in a week, against the cap 2 of at most 2 3 of at most 2 (over the cap) +1',
    );
    expect(rowText(tile, 'final-notice')).toBe('final-notice 0 0 same');

    const confirm = () => renderer.findByTestId(Button, 'confirm-activation');
    expect(confirm().props.disabled).toBe(true);
    change(renderer.find(Input, { name: 'activationNote' }), '  ');
    expect(confirm().props.disabled).toBe(true);
    change(renderer.find(Input, { name: 'activationNote' }), 'Quarter end');
    expect(confirm().props.disabled).toBe(false);
    confirm().trigger('onClick');
    await renderer.waitFor(() =>
      expect(renderer.maybeFind(Alert, { title: 'Version 3 is active' })).not.toBeNull(),
    );
    expect(confirmation(renderer)).toBeNull();
    expect(sent(renderer)[1]).toEqual({
      method: 'POST',
      path: '/api/v1/rules/activate',
      body: { source: ACTIVE_SOURCE, note: 'Quarter end', previewToken: 'token-1' },
    });
    await renderer.waitFor(() =>
      expect(renderer.requests.filter((request) => request.path === '/api/v1/rules')).toHaveLength(2),
    );
  });

  it('says an identical draft has nothing to activate and offers no activation', async () => {
    const renderer = renderSettings({ [PREVIEW]: previewReply({ identicalToActive: true }) });
    await loaded(renderer);
    const tile = await openConfirmation(renderer);
    expect(textOf(tile)).toContain(
      'This is the same rule set as v2 (active, "Softer"): there is nothing to activate.',
    );
    expect(renderer.maybeFindByTestId(Button, 'confirm-activation')).toBeNull();
    expect(renderer.maybeFind(Input, { name: 'activationNote' })).toBeNull();
    renderer.findByTestId(Button, 'close-activation').trigger('onClick');
    expect(confirmation(renderer)).toBeNull();
    expect(sent(renderer).map((request) => request.path)).toEqual(['/api/v1/rules/activation-preview']);
  });

  it('asks for a new preview when the active version changed since this one', async () => {
    const renderer = renderSettings({
      [PREVIEW]: [previewReply(), previewReply({ token: 'token-2' })],
      // hubspot.fetch withholds the body of a non-2xx answer: the 428 alone says it.
      'POST /api/v1/rules/activate': { status: 428 },
    });
    await loaded(renderer);
    await openConfirmation(renderer);
    change(renderer.find(Input, { name: 'activationNote' }), 'Why');
    renderer.findByTestId(Button, 'confirm-activation').trigger('onClick');
    await renderer.waitFor(() =>
      expect(
        renderer.maybeFind(Alert, { title: 'The active version changed since this preview' }),
      ).not.toBeNull(),
    );
    renderer.findByTestId(Button, 'preview-again').trigger('onClick');
    await renderer.waitFor(() =>
      expect(sent(renderer).filter((request) => request.path.endsWith('activation-preview'))).toHaveLength(2),
    );
    await renderer.waitFor(() =>
      expect(renderer.maybeFind(Input, { name: 'activationNote' })?.props.value).toBe(''),
    );
  });

  it('explains a 403 whose body HubSpot did not pass on', async () => {
    const renderer = renderSettings({
      [PREVIEW]: previewReply(),
      'POST /api/v1/rules/activate': { status: 403 },
    });
    await loaded(renderer);
    await openConfirmation(renderer);
    change(renderer.find(Input, { name: 'activationNote' }), 'Try');
    renderer.findByTestId(Button, 'confirm-activation').trigger('onClick');
    await renderer.waitFor(() =>
      expect(renderer.maybeFind(Alert, { title: 'Not activated' })).not.toBeNull(),
    );
    expect(textOf(renderer.find(Alert, { title: 'Not activated' }))).toContain('only RevOps');
  });

  it('simulates the draft against the rules in force: columns named, every rule, contacts against the cap', async () => {
    const renderer = renderSettings({
      'POST /api/v1/rules/simulate': {
        body: {
          ok: true,
          labels: { proposed: 'Draft', baseline: 'v2 (active, "Softer")' },
          summaries: [
            {
              from: '2026-01-01',
              to: '2026-06-30',
              tasks: 40,
              tasksByRule: { 'first-reminder': 30 },
              contactsPerAccountWeek: { max: 3, cap: 2 },
              skippedByRail: { contactCap: 4 },
            },
            {
              from: '2026-01-01',
              to: '2026-06-30',
              tasks: 55,
              tasksByRule: { 'first-reminder': 41, 'final-notice': 0 },
              contactsPerAccountWeek: { max: 2, cap: 2 },
              skippedByRail: { contactCap: 1 },
            },
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
        renderer.maybeFind(TableRow, (row) => textOf(row).startsWith('Tasks from first-reminder')),
      ).not.toBeNull(),
    );
    expect(sent(renderer)).toEqual([
      {
        method: 'POST',
        path: '/api/v1/rules/simulate',
        body: { source: ACTIVE_SOURCE, from: '2026-01-01', to: '2026-06-30', against: ACTIVE_RULES },
      },
    ]);
    const row = (start: string) =>
      textOf(renderer.find(TableRow, (candidate) => textOf(candidate).startsWith(start)));
    expect(row('Measure Draft')).toBe('Measure Draft v2 (active, "Softer") Change');
    expect(row('Tasks created')).toBe('Tasks created 40 55 −15');
    expect(row('Tasks from final-notice')).toBe('Tasks from final-notice 0 0 same');
    expect(row('Most contacts')).toBe(
      'Most contacts to one account in a week, against the cap 3 of at most 2 (over the cap) 2 of at most 2 +1',
    );
    expect(row('Held back by the contact cap rail')).toBe('Held back by the contact cap rail 4 1 +3');
  });

  it('names the columns itself for a backend that does not', async () => {
    const renderer = renderSettings({
      'POST /api/v1/rules/simulate': {
        body: {
          ok: true,
          summaries: [
            { from: '2026-01-01', to: '2026-06-30', tasks: 40, tasksByRule: {} },
            { from: '2026-01-01', to: '2026-06-30', tasks: 55 },
          ],
        },
      },
    });
    await loaded(renderer);
    change(renderer.find(DateInput, { name: 'simulateFrom' }), { year: 2026, month: 0, date: 1 });
    change(renderer.find(DateInput, { name: 'simulateTo' }), { year: 2026, month: 5, date: 30 });
    renderer.findByTestId(Button, 'simulate').trigger('onClick');
    await renderer.waitFor(() =>
      expect(renderer.maybeFind(TableRow, (row) => textOf(row).startsWith('Measure'))).not.toBeNull(),
    );
    expect(textOf(renderer.find(TableRow, (row) => textOf(row).startsWith('Measure')))).toBe(
      'Measure Draft v2 (in force) Change',
    );
    expect(
      textOf(renderer.find(TableRow, (row) => textOf(row).startsWith('Tasks from first-reminder'))),
    ).toBe('Tasks from first-reminder 0 0 same');
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

  it('rolls back to version 0, the default playbook, with a note', async () => {
    const renderer = renderSettings({ 'POST /api/v1/rules/rollback': { body: { ok: true, version: 0 } } });
    await loaded(renderer);
    renderer.findByTestId(Button, 'rollback-0').trigger('onClick');
    expect(renderer.find(Input, { name: 'ruleSetNote' }).props.validationMessage).toBe('Say why it changes');
    expect(sent(renderer)).toEqual([]);
    change(renderer.find(Input, { name: 'ruleSetNote' }), 'Back to the default');
    renderer.findByTestId(Button, 'rollback-0').trigger('onClick');
    await renderer.waitFor(() =>
      expect(renderer.maybeFind(Alert, { title: 'Rolled back: version 0 is active' })).not.toBeNull(),
    );
    expect(sent(renderer)).toEqual([
      { method: 'POST', path: '/api/v1/rules/rollback', body: { version: 0, note: 'Back to the default' } },
    ]);
  });

  it('activates guardrails directly, with the note they need', async () => {
    const renderer = renderSettings({
      'POST /api/v1/terms/guardrails/activate': { body: { ok: true, version: 1 } },
    });
    await loaded(renderer);
    renderer.findByTestId(Button, 'guardrails-activate').trigger('onClick');
    expect(renderer.find(Input, { name: 'guardrailsNote' }).props.validationMessage).toBe(
      'Say why it changes',
    );
    change(renderer.find(Input, { name: 'guardrailsNote' }), 'Stricter for SMB');
    renderer.findByTestId(Button, 'guardrails-activate').trigger('onClick');
    await renderer.waitFor(() =>
      expect(renderer.maybeFind(Alert, { title: 'Version 1 is active' })).not.toBeNull(),
    );
    expect(sent(renderer)).toEqual([
      {
        method: 'POST',
        path: '/api/v1/terms/guardrails/activate',
        body: { guardrails: DEFAULT_GUARDRAILS, note: 'Stricter for SMB' },
      },
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
