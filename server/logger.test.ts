import { Writable } from 'node:stream';
import { parseConfig } from '../src/config/config';
import { createInProcessJobQueue } from '../src/adapters/inprocess/job-queue';
import { createLogger, logJobFailure, redactUrl } from './logger';

function capture(): { stream: Writable; lines: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, lines: () => chunks.join('') };
}

describe('logger', () => {
  it('redacts secrets in the configuration and in request headers', () => {
    const sink = capture();
    const logger = createLogger({ level: 'info' }, sink.stream);
    const config = parseConfig({
      DATABASE_URL: 'postgres://app:pg-secret-1@127.0.0.1:5432/db',
      STRIPE_SECRET_KEY: 'sk_test_very_secret',
      STRIPE_WEBHOOK_SECRET: 'whsec_also_secret',
      HUBSPOT_CLIENT_SECRET: 'hs-secret-2',
    });
    logger.info({ config }, 'configuration');
    logger.info(
      { req: { headers: { authorization: 'Bearer token-3', 'stripe-signature': 't=1,v1=abc' } } },
      'request',
    );
    logger.info({ env: { STRIPE_SECRET_KEY: 'sk_test_very_secret' } }, 'environment');
    const output = sink.lines();
    for (const secret of [
      'pg-secret-1',
      'sk_test_very_secret',
      'whsec_also_secret',
      'hs-secret-2',
      'token-3',
      'v1=abc',
    ]) {
      expect(output).not.toContain(secret);
    }
    expect(output).toContain('[redacted]');
    expect(output).toContain('"port":3000');
  });

  it('hides the password of a connection URL', () => {
    expect(redactUrl('postgres://app:pg-secret@127.0.0.1:5432/db')).toBe(
      'postgres://app:redacted@127.0.0.1:5432/db',
    );
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });

  it('logs each failed job run with its reason, and the dead letter as an error', async () => {
    const sink = capture();
    const logger = createLogger({ level: 'info' }, sink.stream);
    const queue = createInProcessJobQueue({ backoffMs: () => 1 });
    let runs = 0;
    await queue.startWorker(
      {
        'account-refresh': async () => {
          runs += 1;
          throw new Error(`portal answered 503 (run ${runs})`);
        },
      },
      { onFailure: logJobFailure(logger) },
    );
    await queue.enqueue('account-refresh', {}, { jobId: 'account-refresh:acme:1', attempts: 2 });
    for (let wait = 0; wait < 200 && (await queue.countDeadLetters()) === 0; wait += 1)
      await new Promise((resolve) => setTimeout(resolve, 5));
    await queue.close();
    const lines = sink
      .lines()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map(({ level, jobId, attempt, err }) => ({ level, jobId, attempt, err }))).toEqual([
      { level: 40, jobId: 'account-refresh:acme:1', attempt: 1, err: 'portal answered 503 (run 1)' },
      { level: 50, jobId: 'account-refresh:acme:1', attempt: 2, err: 'portal answered 503 (run 2)' },
    ]);
  });
});
