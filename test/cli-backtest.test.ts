import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCollections } from './support/processes';

type Evaluation = {
  n: number;
  lateRate: number;
  auc: number;
  brier: number;
  logLoss: number;
  calibration: unknown[];
};

describe('collections backtest (CLI, end to end)', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'collections-backtest-'));
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('fits before the split, scores after it, and reports the model against both baselines', async () => {
    const book = path.join(work, 'book');
    const env = { COLLECTIONS_DATA_DIR: path.join(work, 'store'), LOG_LEVEL: 'warn' };
    const generated = await runCollections(
      ['demo-data', book, '--customers', '400', '--seed', '3', '--as-of', '2026-10-01', '--json'],
      env,
    );
    expect(generated.code).toBe(0);

    const result = await runCollections(['backtest', book, '--split', '2026-03-01', '--json'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      split: string;
      outcomesAsOf: string;
      model: Evaluation;
      baselines: { baseRate: Evaluation; customerHistory: Evaluation };
      training: { n: number; weights: Record<string, number> };
    };
    expect(report.split).toBe('2026-03-01');
    expect(report.outcomesAsOf <= '2026-10-01').toBe(true);
    expect(report.training.n).toBeGreaterThan(500);
    expect(report.model.n).toBeGreaterThan(500);
    expect(report.model.n).toBe(report.baselines.customerHistory.n);
    expect(report.model.calibration).toHaveLength(10);
    expect(report.baselines.baseRate.auc).toBe(0.5);
    expect(report.model.auc).toBeGreaterThan(0.6);
    expect(report.model.brier).toBeLessThan(report.baselines.baseRate.brier);
    expect(report.training.weights['prior_late_share']).toBeGreaterThanOrEqual(0);

    const human = await runCollections(['backtest', book, '--split', '2026-03-01', '--with-disputes'], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('baseline: customer history');
    expect(human.stdout).toContain('with disputes');
    expect(human.stdout).toContain('Calibration');

    const missing = await runCollections(['backtest', path.join(work, 'nope'), '--split', '2026-03-01'], env);
    expect(missing.code).toBe(2);
  });
});
