import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * scripts/audit.cjs against npm's own answers: a stand-in `npm` on PATH prints what `npm audit --json`
 * prints for a registry without the advisory endpoint, or for findings.
 */
function runAudit(answer: object): { status: number | null; stdout: string; warnings: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'audit-'));
  try {
    const fakeNpm = path.join(dir, 'npm');
    writeFileSync(fakeNpm, `#!/bin/sh\ncat <<'JSON'\n${JSON.stringify(answer)}\nJSON\n`);
    chmodSync(fakeNpm, 0o755);
    const warningsFile = path.join(dir, 'warnings');
    writeFileSync(warningsFile, '');
    const run = spawnSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'audit.cjs')], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}`, CI_WARNINGS_FILE: warningsFile },
    });
    return { status: run.status, stdout: run.stdout, warnings: readFileSync(warningsFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('npm audit step of CI', () => {
  it('says, as a counted warning, that the audit could not be checked when the endpoint answers 405', () => {
    const result = runAudit({
      message: 'Method Not Allowed',
      statusCode: 405,
      error: { code: 'E405', summary: 'Method Not Allowed' },
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^::warning title=npm audit::.*not checked$/m);
    expect(result.warnings.trim().split('\n')).toHaveLength(1);
    expect(result.warnings).toMatch(/advisory endpoint is not available.*not checked/);
  });

  it('fails on a high finding and warns of nothing', () => {
    const result = runAudit({ metadata: { vulnerabilities: { low: 2, high: 1, critical: 0 } } });
    expect(result.status).toBe(1);
    expect(result.warnings).toBe('');
  });

  it('passes quietly when there is nothing high or critical', () => {
    const result = runAudit({ metadata: { vulnerabilities: { low: 3, moderate: 1, high: 0, critical: 0 } } });
    expect(result.status).toBe(0);
    expect(result.warnings).toBe('');
    expect(result.stdout).not.toMatch(/::warning/);
  });
});
