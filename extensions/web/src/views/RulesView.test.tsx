import { screen, waitFor, within } from '@testing-library/react';
import userEvent, { type UserEvent } from '@testing-library/user-event';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  createPreview,
  createRulesAnswer,
  createSession,
  createSimulation,
  DEFAULT_SOURCE,
  fail,
  mockFetch,
  ok,
  okFlat,
  OVERDUE_7_WORDS,
  renderView,
  RULE_SET,
  RULE_SOURCE,
  type MockRoutes,
} from '../test/mocks';
import { RulesView } from './RulesView';

const AUDIT = 'GET /audit?limit=50';

function routes(overrides: MockRoutes = {}): MockRoutes {
  return {
    'GET /rules': { body: createRulesAnswer() },
    [AUDIT]: ok({
      events: [
        {
          at: '2026-11-01T09:00:00Z',
          kind: 'rule_set_activated',
          subject: 'rules:v2',
          actor: 'ana@example.com',
          payload: { note: 'calmer' },
        },
      ],
    }),
    ...overrides,
  };
}

async function replaceDocument(user: UserEvent, text: string): Promise<void> {
  const editor = screen.getByTestId('rules-editor');
  await user.clear(editor);
  await user.click(editor);
  await user.paste(text);
}

const editorText = () => (screen.getByTestId('rules-editor') as HTMLTextAreaElement).value;
const cellsOf = (row: HTMLElement) =>
  within(row)
    .getAllByRole('cell')
    .map((cell) => cell.textContent);

const INVALID = stringify({
  ...RULE_SET,
  rules: [{ ...RULE_SET.rules[0], when: { daysPastDue: { min: -5 } } }],
});

describe('RulesView', () => {
  it('shows the active version as written, its rules in words, the versions from v0 and the audit log', async () => {
    mockFetch(routes());
    renderView(<RulesView />);
    expect(screen.getByRole('heading', { level: 1, name: 'Collection rules' })).toBeInTheDocument();
    expect(await screen.findByTestId('active-version')).toHaveTextContent('Version 2');
    const versions = screen.getByTestId('versions-table');
    expect(
      within(versions)
        .getAllByRole('row')
        .map((row) => within(row).queryByRole('rowheader')?.textContent),
    ).toEqual([undefined, 'v2', 'v1', 'v0 (default playbook)']);
    expect(screen.getByLabelText('Rule set (YAML)')).toHaveValue(RULE_SOURCE);
    expect(parse(RULE_SOURCE)).toEqual(RULE_SET);
    const words = screen.getByTestId('rules-in-words');
    expect(within(words).getByRole('listitem')).toHaveTextContent(`overdue-7${OVERDUE_7_WORDS}`);
    const audit = await screen.findByTestId('audit-log');
    expect(within(audit).getByText('Rule set activated')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Activate as a new version' })).toBeEnabled();
  });

  it('opens a stored version in the editor exactly as it was written', async () => {
    mockFetch(routes());
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await user.click(screen.getByRole('button', { name: 'Open v0 (default playbook) in the editor' }));
    expect(editorText()).toBe(DEFAULT_SOURCE);
    await user.click(screen.getByRole('button', { name: 'Load the active version' }));
    expect(editorText()).toBe(RULE_SOURCE);
  });

  it('says version 0, the default playbook, is active for a tenant that never activated anything', async () => {
    const answer = createRulesAnswer();
    const [v0] = answer.versions;
    mockFetch(
      routes({
        'GET /rules': {
          body: createRulesAnswer({
            active: { version: 0, ruleSet: RULE_SET, createdBy: 'system', source: DEFAULT_SOURCE },
            versions: v0 === undefined ? [] : [{ ...v0, active: true }],
          }),
        },
      }),
    );
    renderView(<RulesView />);
    const active = await screen.findByTestId('active-version');
    expect(active.parentElement).toHaveTextContent('Version 0, the default collections playbook, is active.');
    expect(editorText()).toBe(DEFAULT_SOURCE);
    expect(screen.queryByRole('button', { name: 'Load the default playbook' })).toBeNull();
    expect(screen.getByText('There is no earlier version to roll back to.')).toBeInTheDocument();
  });

  it('updates the rules in words as the edited text validates, sending the text as written', async () => {
    const edited = RULE_SOURCE.replace('min: 7', 'min: 10');
    const calls = mockFetch(
      routes({
        'POST /rules/validate': (call) =>
          (call.body as { source: string }).source === edited
            ? okFlat({
                rules: ['overdue-7'],
                described: [
                  {
                    id: 'overdue-7',
                    text: 'When the oldest overdue invoice is at least 10 days past due: …',
                  },
                ],
              })
            : fail('not this one'),
      }),
    );
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await replaceDocument(user, edited);
    const words = screen.getByTestId('rules-in-words');
    await waitFor(() => expect(words).toHaveTextContent('at least 10 days past due'), { timeout: 3000 });
    expect(calls.filter((call) => call.path === '/rules/validate').map((call) => call.body)).toEqual([
      { source: edited },
    ]);

    await replaceDocument(user, 'name: x\nrules: [\n');
    expect(await within(words).findByText(/does not validate yet/)).toBeInTheDocument();
    expect(words).toHaveTextContent('at least 10 days past due');
  });

  it('shows a validation error at its path and highlights its line', async () => {
    const calls = mockFetch(
      routes({
        'POST /rules/validate': fail('Too small: expected number to be >=0', {
          path: 'source.rules[0].when.daysPastDue.min',
          problems: [
            { path: 'rules[0].when.daysPastDue.min', message: 'Too small: expected number to be >=0' },
          ],
        }),
      }),
    );
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await replaceDocument(user, INVALID);
    await user.click(screen.getByRole('button', { name: 'Validate' }));

    const problems = await screen.findByTestId('rule-problems');
    expect(problems).toHaveAttribute('role', 'alert');
    const path = within(problems).getByRole('button', { name: 'rules[0].when.daysPastDue.min' });
    expect(problems).toHaveTextContent('Too small: expected number to be >=0');
    const line = INVALID.split('\n').findIndex((text) => text.includes('min: -5')) + 1;
    expect(problems).toHaveTextContent(`(line ${line})`);
    const editor = screen.getByTestId('rules-editor') as HTMLTextAreaElement;
    expect(editor).toHaveAttribute('aria-invalid', 'true');
    expect(editor).toHaveAccessibleDescription(expect.stringContaining('rules[0].when.daysPastDue.min'));
    expect(document.querySelector('.gutter-line.has-problem')).toHaveTextContent(String(line));
    expect(calls.find((call) => call.path === '/rules/validate')?.body).toEqual({ source: INVALID });

    await user.click(path);
    expect(editor).toHaveFocus();
    expect(editor.value.slice(editor.selectionStart, editor.selectionEnd)).toBe('min: -5');
  });

  it('places a problem by the line and column the server read it at', async () => {
    const text = 'name: x\nrules:\n  - id: Bad Id\n    then: { tone: gentle }\n';
    mockFetch(
      routes({
        'POST /rules/validate': fail('lower-case letters, digits, _ and -', {
          path: 'source.rules[0].id',
          problems: [
            { path: 'rules[0].id', message: 'lower-case letters, digits, _ and -', line: 3, column: 5 },
          ],
        }),
      }),
    );
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await replaceDocument(user, text);
    await user.click(screen.getByRole('button', { name: 'Validate' }));
    const problems = await screen.findByTestId('rule-problems');
    expect(problems).toHaveTextContent('(line 3)');
    await user.click(within(problems).getByRole('button', { name: 'rules[0].id' }));
    const editor = screen.getByTestId('rules-editor') as HTMLTextAreaElement;
    expect(editor.value.slice(editor.selectionStart, editor.selectionEnd)).toBe('id: Bad Id');
  });

  it('confirms a valid rule set', async () => {
    mockFetch(routes({ 'POST /rules/validate': okFlat({ rules: ['overdue-7'], described: [] }) }));
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await user.click(screen.getByRole('button', { name: 'Validate' }));
    expect(await screen.findByText('Valid: 1 rule (overdue-7).')).toBeInTheDocument();
  });

  it('shows a YAML syntax error with its line without asking the server', async () => {
    const calls = mockFetch(routes());
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await replaceDocument(user, 'name: x\nrules: [\n');
    await user.click(screen.getByRole('button', { name: 'Validate' }));
    expect(await screen.findByTestId('rule-problems')).toHaveTextContent(/line \d/);
    expect(calls.some((call) => call.path === '/rules/validate')).toBe(false);
  });

  it('switches between YAML and JSON', async () => {
    mockFetch(routes());
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await user.click(screen.getByRole('radio', { name: 'JSON' }));
    const editor = screen.getByLabelText('Rule set (JSON)') as HTMLTextAreaElement;
    expect(JSON.parse(editor.value)).toEqual(RULE_SET);
  });

  it('disables activation and rollback for anyone but RevOps, and says why', async () => {
    mockFetch(routes());
    renderView(<RulesView />, { session: createSession({ revops: false, user: 'csm@example.com' }) });
    await screen.findByTestId('active-version');
    const activate = screen.getByRole('button', { name: 'Activate as a new version' });
    expect(activate).toBeDisabled();
    expect(activate).toHaveAccessibleDescription(expect.stringContaining('Only RevOps can activate'));
    expect(screen.getByRole('button', { name: 'Roll back' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Validate' })).toBeEnabled();
  });

  it('simulates the edited rule set against the active one, columns named, every rule, the cap', async () => {
    const calls = mockFetch(
      routes({
        'POST /rules/simulate': okFlat({
          labels: { proposed: 'Edited rule set', baseline: 'v2 (active, "calmer")' },
          summaries: [
            createSimulation({
              tasks: 90,
              tasksByRule: { 'overdue-7': 90 },
              contactsPerAccountWeek: { max: 3, cap: 2 },
              skippedByRail: { contact_cap: 7, open_task: 2 },
            }),
            createSimulation({ tasksByRule: { 'overdue-7': 120, 'overdue-90': 0 } }),
          ],
        }),
      }),
    );
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    const from = screen.getByLabelText('From');
    const to = screen.getByLabelText('To');
    await user.clear(from);
    await user.type(from, '2026-01-01');
    await user.clear(to);
    await user.type(to, '2026-03-31');
    await user.click(screen.getByRole('button', { name: 'Simulate' }));

    const table = await screen.findByTestId('simulation-summary');
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((header) => header.textContent),
    ).toEqual(['Measure', 'Edited rule set', 'v2 (active, "calmer")', 'Change']);
    expect(cellsOf(within(table).getByRole('row', { name: /^Tasks created/ }))).toEqual(['90', '120', '−30']);
    expect(cellsOf(within(table).getByRole('row', { name: /^Tasks from overdue-90/ }))).toEqual([
      '0',
      '0',
      'same',
    ]);
    const cap = within(table).getByRole('row', { name: /^Most contacts to one account in a week/ });
    expect(cellsOf(cap)).toEqual(['3 of at most 2', '2 of at most 2', '+1']);
    expect(within(cap).getAllByRole('cell')[0]).toHaveClass('over-cap');
    expect(cellsOf(within(table).getByRole('row', { name: /^Held back by the contact cap rail/ }))).toEqual([
      '7',
      '5',
      '+2',
    ]);
    expect(calls.find((call) => call.path === '/rules/simulate')?.body).toEqual({
      source: RULE_SOURCE,
      against: RULE_SET,
      from: '2026-01-01',
      to: '2026-03-31',
    });
  });

  it('names the columns itself and lists a rule the answer left out, for an older server', async () => {
    mockFetch(
      routes({
        'POST /rules/simulate': okFlat({
          summaries: [createSimulation({ tasksByRule: {} }), createSimulation()],
        }),
      }),
    );
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await user.click(screen.getByRole('button', { name: 'Simulate' }));
    const table = await screen.findByTestId('simulation-summary');
    expect(within(table).getByRole('columnheader', { name: 'v2 (active)' })).toBeInTheDocument();
    expect(cellsOf(within(table).getByRole('row', { name: /^Tasks from overdue-7/ }))).toEqual([
      '0',
      '120',
      '−120',
    ]);
  });

  it('runs a simulation too large for one request as a job on the server and shows its progress', async () => {
    let polls = 0;
    const calls = mockFetch(
      routes({
        'POST /rules/simulate': {
          status: 422,
          body: {
            ok: false,
            error: { code: 'simulation_too_large', message: 'more than one request replays' },
          },
        },
        'POST /rules/simulations': okFlat({
          simulation: { id: 'sim-1', state: 'queued', accounts: { done: 0, total: null } },
        }),
        'GET /rules/simulations/sim-1': () => {
          polls += 1;
          return polls === 1
            ? okFlat({ simulation: { id: 'sim-1', state: 'running', accounts: { done: 120, total: 400 } } })
            : okFlat({
                simulation: {
                  id: 'sim-1',
                  state: 'done',
                  accounts: { done: 400, total: 400 },
                  summaries: [createSimulation({ tasks: 90 }), createSimulation()],
                  labels: { proposed: 'Edited', baseline: 'v2 (active)' },
                },
              });
        },
      }),
    );
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await user.click(screen.getByRole('button', { name: 'Simulate' }));

    expect(
      await screen.findByText('Replaying history on the server: 120 of 400 accounts…', {}, { timeout: 5000 }),
    ).toBeInTheDocument();
    const table = await screen.findByTestId('simulation-summary', {}, { timeout: 5000 });
    const tasks = within(table).getByRole('row', { name: /Tasks created/ });
    expect(within(tasks).getAllByRole('cell')[0]).toHaveTextContent('90');
    expect(within(table).getByRole('columnheader', { name: 'Edited' })).toBeInTheDocument();
    const started = calls.find((call) => call.path === '/rules/simulations');
    expect(started?.body).toEqual(calls.find((call) => call.path === '/rules/simulate')?.body);
  });

  it('activates only after a confirmation with the simulated impact and a note', async () => {
    let activated = false;
    const calls = mockFetch(
      routes({
        'GET /rules': () => ({
          body: activated
            ? createRulesAnswer({
                active: { version: 3, ruleSet: RULE_SET, createdBy: 'local-demo', source: RULE_SOURCE },
                versions: [
                  ...createRulesAnswer().versions.map((version) => ({ ...version, active: false })),
                  {
                    version: 3,
                    createdAt: '2026-11-27T10:00:00Z',
                    createdBy: 'local-demo',
                    note: 'stricter',
                    active: true,
                    source: RULE_SOURCE,
                  },
                ],
              })
            : createRulesAnswer(),
        }),
        'POST /rules/activation-preview': okFlat({ preview: createPreview() }),
        'POST /rules/activate': () => {
          activated = true;
          return okFlat({ version: 3 });
        },
      }),
    );
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await user.click(screen.getByRole('button', { name: 'Activate as a new version' }));

    const dialog = await screen.findByRole('dialog', { name: 'Confirm activation' });
    expect(calls.find((call) => call.path === '/rules/activation-preview')?.body).toEqual({
      source: RULE_SOURCE,
    });
    expect(calls.some((call) => call.path === '/rules/activate')).toBe(false);
    const impact = within(dialog).getByTestId('activation-impact');
    expect(
      within(impact)
        .getAllByRole('columnheader')
        .map((header) => header.textContent),
    ).toEqual(['Measure', 'v2 (active, "calmer")', 'proposed', 'Change']);
    expect(within(impact).getByRole('caption')).toHaveTextContent('Simulated over the last 90 days');
    expect(cellsOf(within(impact).getByRole('row', { name: /^Tasks/ }))).toEqual(['120', '150', '+30']);
    expect(cellsOf(within(impact).getByRole('row', { name: /^Accounts contacted/ }))).toEqual([
      '80',
      '95',
      '+15',
    ]);
    expect(cellsOf(within(impact).getByRole('row', { name: /^Contacts in the renewal window/ }))).toEqual([
      '12',
      '3',
      '−9',
    ]);
    expect(cellsOf(within(impact).getByRole('row', { name: /^Peak tasks for one assignee/ }))).toEqual([
      '14 (finance queue)',
      '21 (account owner)',
      '+7',
    ]);
    expect(cellsOf(within(impact).getByRole('row', { name: /^Most contacts to one account/ }))).toEqual([
      '2 of at most 2',
      '3 of at most 2',
      '+1',
    ]);
    const perRule = within(dialog).getByTestId('activation-rules');
    expect(cellsOf(within(perRule).getByRole('row', { name: /^overdue-90/ }))).toEqual(['0', '0', 'same']);

    const confirm = within(dialog).getByRole('button', { name: 'Confirm and activate' });
    expect(confirm).toBeDisabled();
    await user.type(within(dialog).getByLabelText('Note for the audit log (required)'), '   ');
    expect(confirm).toBeDisabled();
    await user.type(within(dialog).getByLabelText('Note for the audit log (required)'), 'stricter');
    expect(confirm).toBeEnabled();
    await user.click(confirm);

    expect(await screen.findByText('Version 3 is now active.')).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).toBeNull();
    await waitFor(() => expect(screen.getByTestId('active-version')).toHaveTextContent('Version 3'));
    expect(calls.find((call) => call.path === '/rules/activate')?.body).toEqual({
      source: RULE_SOURCE,
      note: 'stricter',
      previewToken: 'preview-token-1',
    });
    expect(calls.filter((call) => call.path === '/audit?limit=50')).toHaveLength(2);
  });

  it('says an identical proposal has nothing to activate, and offers no activation', async () => {
    const calls = mockFetch(
      routes({
        'POST /rules/activation-preview': okFlat({ preview: createPreview({ identicalToActive: true }) }),
      }),
    );
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await user.click(screen.getByRole('button', { name: 'Activate as a new version' }));
    const dialog = await screen.findByRole('dialog', { name: 'Confirm activation' });
    expect(dialog).toHaveTextContent(
      'This is the same rule set as v2 (active, "calmer"): there is nothing to activate.',
    );
    expect(within(dialog).queryByRole('button', { name: 'Confirm and activate' })).toBeNull();
    expect(within(dialog).queryByRole('textbox')).toBeNull();
    await user.click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(calls.some((call) => call.path === '/rules/activate')).toBe(false);
  });

  it('closes the confirmation when the text changes, since the preview was of the old text', async () => {
    mockFetch(routes({ 'POST /rules/activation-preview': okFlat({ preview: createPreview() }) }));
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await user.click(screen.getByRole('button', { name: 'Activate as a new version' }));
    await screen.findByRole('dialog', { name: 'Confirm activation' });
    await user.type(screen.getByTestId('rules-editor'), '# more');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('asks for a new preview when the active version changed since this one', async () => {
    let previews = 0;
    mockFetch(
      routes({
        'POST /rules/activation-preview': () => {
          previews += 1;
          return okFlat({ preview: createPreview({ token: `token-${previews}` }) });
        },
        'POST /rules/activate': {
          status: 428,
          body: { ok: false, error: { code: 'confirmation_required', message: 'preview again' } },
        },
      }),
    );
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await user.click(screen.getByRole('button', { name: 'Activate as a new version' }));
    const dialog = await screen.findByRole('dialog', { name: 'Confirm activation' });
    await user.type(within(dialog).getByLabelText('Note for the audit log (required)'), 'why');
    await user.click(within(dialog).getByRole('button', { name: 'Confirm and activate' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'The active version changed since this preview',
    );
    await user.click(within(dialog).getByRole('button', { name: 'Review the impact again' }));
    await waitFor(() => expect(previews).toBe(2));
    const again = await screen.findByRole('dialog', { name: 'Confirm activation' });
    expect(within(again).getByLabelText('Note for the audit log (required)')).toHaveValue('');
  });

  it('shows a refused activation inside the confirmation', async () => {
    mockFetch(
      routes({
        'POST /rules/activation-preview': okFlat({ preview: createPreview() }),
        'POST /rules/activate': {
          status: 403,
          body: {
            ok: false,
            error: { message: 'only RevOps may activate or roll back rule sets and guardrails' },
          },
        },
      }),
    );
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await user.click(screen.getByRole('button', { name: 'Activate as a new version' }));
    const dialog = await screen.findByRole('dialog', { name: 'Confirm activation' });
    await user.type(within(dialog).getByLabelText('Note for the audit log (required)'), 'try');
    await user.click(within(dialog).getByRole('button', { name: 'Confirm and activate' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('only RevOps may activate');
  });

  it('shows a problem the preview found in the document beside the editor', async () => {
    mockFetch(
      routes({
        'POST /rules/activation-preview': fail('Required', {
          path: 'source.rules[0].then',
          problems: [{ path: 'rules[0].then', message: 'Required' }],
        }),
      }),
    );
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await user.click(screen.getByRole('button', { name: 'Activate as a new version' }));
    expect(await screen.findByTestId('rule-problems')).toHaveTextContent('rules[0].then');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('compares two versions', async () => {
    mockFetch(
      routes({
        'GET /rules/diff?from=1&to=2': okFlat({
          from: 1,
          to: 2,
          changes: [{ kind: 'changed', path: 'rules[0].when.daysPastDue.min', before: 5, after: 7 }],
        }),
      }),
    );
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await user.click(screen.getByRole('button', { name: 'Compare' }));
    const diff = await screen.findByTestId('diff-table');
    expect(within(diff).getByText('rules[0].when.daysPastDue.min')).toBeInTheDocument();
    expect(diff).toHaveTextContent('5 → 7');
  });

  it('rolls back with a note, to version 0 as well', async () => {
    const calls = mockFetch(routes({ 'POST /rules/rollback': okFlat({ version: 0 }) }));
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await user.click(screen.getByRole('button', { name: 'Roll back' }));
    expect(screen.getByText('Say why, for the audit log.')).toBeInTheDocument();
    const version = screen.getByLabelText('Version to make active');
    expect(
      within(version)
        .getAllByRole('option')
        .map((option) => option.textContent),
    ).toEqual([
      'v1 by ana@example.com: first',
      'v0 (default playbook) by system: Default collections playbook',
    ]);
    await user.selectOptions(version, '0');
    await user.type(screen.getByLabelText('Why roll back'), 'back to the default');
    await user.click(screen.getByRole('button', { name: 'Roll back' }));
    expect(await screen.findByText('Rolled back: version 0 is active.')).toBeInTheDocument();
    expect(calls.find((call) => call.path === '/rules/rollback')?.body).toEqual({
      version: 0,
      note: 'back to the default',
    });
  });

  it('shows loading and error states', async () => {
    mockFetch(routes({ 'GET /rules': 'pending', [AUDIT]: fail('audit unavailable') }));
    renderView(<RulesView />);
    expect(screen.getAllByRole('status').map((status) => status.textContent)).toEqual([
      'Loading the rules…',
      'Loading the audit log…',
    ]);
    expect(await screen.findByRole('alert')).toHaveTextContent('audit unavailable');
  });

  it('shows a rules failure and an empty history', async () => {
    mockFetch(
      routes({
        'GET /rules': fail('the store is unavailable', { status: 503 }),
        [AUDIT]: ok({ events: [] }),
      }),
    );
    renderView(<RulesView />);
    expect(await screen.findByRole('alert')).toHaveTextContent('the store is unavailable');
    expect(await screen.findByText('Nothing has been recorded yet.')).toBeInTheDocument();
  });

  it('starts from the default playbook when the server stores no version', async () => {
    mockFetch(
      routes({
        'GET /rules': { body: createRulesAnswer({ active: null, versions: [], described: undefined }) },
      }),
    );
    renderView(<RulesView />);
    expect(
      await screen.findByText('No version has been activated: the default playbook applies.'),
    ).toBeInTheDocument();
    expect(parse(editorText())).toEqual(RULE_SET);
    expect(screen.getByText('No versions yet.')).toBeInTheDocument();
    expect(screen.getByText('Activate a second version to compare versions.')).toBeInTheDocument();
    expect(screen.getByText('There is no earlier version to roll back to.')).toBeInTheDocument();
  });
});
