import pino, { type Logger } from 'pino';
import { SECRET_VARIABLES } from '../src/config/config';
import type { JobFailure } from '../src/ports/queue';

export type { Logger };

const SECRET_KEYS = [
  ...SECRET_VARIABLES,
  'password',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'clientSecret',
  'connectionString',
  'authorization',
  'cookie',
  'stripeSecretKey',
  'stripeWebhookSecret',
  'hubspotClientSecret',
  'salesforceClientSecret',
  'redisUrl',
];

/** Keys whose values never reach a log line, at any depth up to four levels into a logged object. */
export const REDACTED_PATHS = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]),
  ...['stripe-signature', 'x-hubspot-signature-v3'].flatMap((header) => [
    `*["${header}"]`,
    `*.*["${header}"]`,
    `*.*.*["${header}"]`,
  ]),
];

export function createLogger(
  options: { level: string; name?: string },
  destination: pino.DestinationStream = pino.destination({ dest: 2, sync: false }),
): Logger {
  return pino(
    {
      level: options.level,
      name: options.name ?? 'collections',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

/** Credentials inside a URL (postgres://user:secret@host) are replaced before the URL is shown. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = 'redacted';
    return parsed.toString();
  } catch {
    return '[unparseable url]';
  }
}

/** Every failed job run is a log line with its reason: a warning while retries remain, an error once dead-lettered. */
export function logJobFailure(logger: Logger): (failure: JobFailure) => void {
  return (failure) => {
    const fields = { job: failure.name, jobId: failure.jobId, attempt: failure.attempt, err: failure.error };
    if (failure.final) logger.error(fields, 'job failed for good: kept as a dead letter');
    else logger.warn(fields, 'job failed: will retry');
  };
}
