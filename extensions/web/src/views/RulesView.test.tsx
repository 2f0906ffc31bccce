import { screen, waitFor, within } from '@testing-library/react';
import userEvent, { type UserEvent } from '@testing-library/user-event';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  createRulesAnswer,
  createSession,
  createSimulation,
  fail,
  mockFetch,
  ok,
  okFlat,
  renderView,
  RULE_SET,
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

const INVALID = stringify({
  ...RULE_SET,
  rules: [{ ...RULE_SET.rules[0], when: { daysPastDue: { min: -5 } } }],
});

describe('RulesView', () => {
  it('shows the active version, the versions, the rule set as YAML and the audit log', async () => {
    mockFetch(routes());
    renderView(<RulesView />);
    expect(screen.getByRole('heading', { level: 1, name: 'Collection rules' })).toBeInTheDocument();
    expect(await screen.findByTestId('active-version')).toHaveTextContent('Version 2');
    const versions = screen.getByTestId('versions-table');
    expect(within(versions).getAllByRole('row')).toHaveLength(3);
    const editor = screen.getByLabelText('Rule set (YAML)');
    expect(parse((editor as HTMLTextAreaElement).value)).toEqual(RULE_SET);
    const audit = await screen.findByTestId('audit-log');
    expect(within(audit).getByText('Rule set activated')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Activate as a new version' })).toBeEnabled();
  });

  it('shows a validation error at its path and highlights its line', async () => {
    const calls = mockFetch(
      routes({
        'POST /rules/validate': fail('Too small: expected number to be >=0', {
          path: 'ruleSet.rules[0].when.daysPastDue.min',
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
    expect(calls.find((call) => call.path === '/rules/validate')?.body).toEqual({ ruleSet: parse(INVALID) });

    await user.click(path);
    expect(editor).toHaveFocus();
    expect(editor.value.slice(editor.selectionStart, editor.selectionEnd)).toBe('min: -5');
  });

  it('confirms a valid rule set', async () => {
    mockFetch(routes({ 'POST /rules/validate': okFlat({ rules: ['overdue-7'] }) }));
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await user.click(screen.getByRole('button', { name: 'Validate' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Valid: 1 rule (overdue-7).');
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

  it('simulates the edited rule set against the active one and shows both side by side', async () => {
    const calls = mockFetch(
      routes({
        'POST /rules/simulate': okFlat({
          summaries: [createSimulation({ tasks: 90 }), createSimulation()],
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
    expect(within(table).getByRole('columnheader', { name: 'Active (v2)' })).toBeInTheDocument();
    const tasks = within(table).getByRole('row', { name: /Tasks created/ });
    expect(
      within(tasks)
        .getAllByRole('cell')
        .map((cell) => cell.textContent),
    ).toEqual(['90', '120', '−30']);
    expect(calls.find((call) => call.path === '/rules/simulate')?.body).toEqual({
      ruleSet: RULE_SET,
      against: RULE_SET,
      from: '2026-01-01',
      to: '2026-03-31',
    });
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
    const started = calls.find((call) => call.path === '/rules/simulations');
    expect(started?.body).toEqual(calls.find((call) => call.path === '/rules/simulate')?.body);
  });

  it('activates the edited rule set as a new version and reloads the versions', async () => {
    let activated = false;
    const calls = mockFetch(
      routes({
        'GET /rules': () => ({
          body: activated
            ? createRulesAnswer({
                active: { version: 3, ruleSet: RULE_SET, createdBy: 'local-demo' },
                versions: [
                  ...createRulesAnswer().versions.map((version) => ({ ...version, active: false })),
                  {
                    version: 3,
                    createdAt: '2026-11-27T10:00:00Z',
                    createdBy: 'local-demo',
                    note: 'x',
                    active: true,
                  },
                ],
              })
            : createRulesAnswer(),
        }),
        'POST /rules/activate': () => {
          activated = true;
          return okFlat({ version: 3 });
        },
      }),
    );
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await user.type(screen.getByLabelText('Note for the audit log'), 'stricter');
    await user.click(screen.getByRole('button', { name: 'Activate as a new version' }));
    expect(await screen.findByText('Version 3 is now active.')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId('active-version')).toHaveTextContent('Version 3'));
    expect(calls.find((call) => call.path === '/rules/activate')?.body).toEqual({
      ruleSet: RULE_SET,
      note: 'stricter',
    });
    expect(calls.filter((call) => call.path === '/audit?limit=50')).toHaveLength(2);
  });

  it('shows a refused activation', async () => {
    mockFetch(
      routes({
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
    expect(await screen.findByRole('alert')).toHaveTextContent('only RevOps may activate');
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

  it('rolls back with a note', async () => {
    const calls = mockFetch(routes({ 'POST /rules/rollback': okFlat({ version: 1 }) }));
    const user = userEvent.setup();
    renderView(<RulesView />);
    await screen.findByTestId('active-version');
    await user.click(screen.getByRole('button', { name: 'Roll back' }));
    expect(screen.getByText('Say why, for the audit log.')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Why roll back'), 'too many tasks');
    await user.click(screen.getByRole('button', { name: 'Roll back' }));
    expect(await screen.findByText('Rolled back: version 1 is active.')).toBeInTheDocument();
    expect(calls.find((call) => call.path === '/rules/rollback')?.body).toEqual({
      version: 1,
      note: 'too many tasks',
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

  it('starts from the default playbook when nothing was activated', async () => {
    mockFetch(routes({ 'GET /rules': { body: createRulesAnswer({ active: null, versions: [] }) } }));
    renderView(<RulesView />);
    expect(
      await screen.findByText('No version has been activated: the default playbook applies.'),
    ).toBeInTheDocument();
    expect(screen.getByText('No versions yet.')).toBeInTheDocument();
    expect(screen.getByText('Activate a second version to compare versions.')).toBeInTheDocument();
    expect(screen.getByText('There is no earlier version to roll back to.')).toBeInTheDocument();
  });
});
