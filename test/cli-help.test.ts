import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Every command answers `--help` from its definition alone: the SDKs behind the commands (Stripe,
 * HubSpot, Salesforce, Redis, the embedded database, the HTTP stack) load only when a command runs.
 */
const SDK_PACKAGES = [
  'jsforce',
  'stripe',
  'bullmq',
  'ioredis',
  '@hubspot/api-client',
  '@electric-sql/pglite',
  'express',
];

type Probe = { answers: { command: string; code: number; usage: string }[]; packages: string[] };

describe('collections --help', () => {
  const probe = JSON.parse(
    execFileSync(process.execPath, [path.join(__dirname, 'support', 'cli-help-probe.cjs')], {
      encoding: 'utf8',
      timeout: 120000,
    }),
  ) as Probe;

  it('answers for every command, with its own usage line', () => {
    const names = probe.answers.map((answer) => answer.command);
    for (const expected of [
      '',
      'import',
      'status',
      'rules simulate',
      'sync hubspot',
      'doctor',
      'dead-letter list',
    ])
      expect(names).toContain(expected);
    for (const answer of probe.answers) {
      expect({ command: answer.command, code: answer.code }).toEqual({ command: answer.command, code: 0 });
      expect(answer.usage.startsWith(`Usage: collections ${answer.command}`.trimEnd())).toBe(true);
    }
  });

  it('loads none of the SDKs to answer', () => {
    expect(probe.packages.filter((name) => SDK_PACKAGES.includes(name))).toEqual([]);
    expect(probe.packages).toContain('commander');
  });
});
