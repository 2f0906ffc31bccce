import { timingSafeEqual } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import express, { type Request, type RequestHandler, type Router } from 'express';
import type { Logger } from 'pino';
import { isLoopbackHost } from '../../src/config/demo-mode';
import { z } from 'zod';
import type { CalendarDate } from '../../src/domain/dates';
import { parseTenantId, type TenantId } from '../../src/domain/model';
import type { DatasetReader } from '../../src/ports/dataset';
import type { CollectionsStore } from '../../src/ports/store';
import { importBook } from '../../src/use-cases/import-book';
import { LOCAL_IMPORT_PATH, type LocalImportLine } from './local-routes';

export { LOCAL_IMPORT_PATH } from './local-routes';

export type LocalImportOptions = {
  /** The secret written into the embedded store's lock file, readable by the store's owner only. */
  token: string;
  store: CollectionsStore;
  readDataset: (dir: string) => DatasetReader;
  today: () => CalendarDate;
  onImported?: (tenant: TenantId) => void;
  logger: Logger;
};

const requestSchema = z.object({
  dir: z
    .string()
    .min(1)
    .refine((dir) => path.isAbsolute(dir), 'must be an absolute path'),
  tenant: z.string().transform((value, context) => {
    const tenant = parseTenantId(value);
    if (tenant === undefined) {
      context.addIssue({ code: 'custom', message: 'letters, digits and _ . : - (at most 64 characters)' });
      return z.NEVER;
    }
    return tenant;
  }),
});

function hasToken(request: Request, token: string): boolean {
  const presented = Buffer.from(/^Bearer (.+)$/.exec(request.get('authorization') ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/**
 * The CLI's requests to the server that owns the embedded store: only from this host (a loopback or
 * this server's own address) and with the lock file's token.
 */
export function localCallersOnly(token: string): RequestHandler {
  return (request, response, next) => {
    const remote = request.socket.remoteAddress ?? '';
    if (!isLoopbackHost(remote) && remote !== request.socket.localAddress) {
      response.status(403).json({ error: 'forbidden' });
      return;
    }
    if (!hasToken(request, token)) {
      response.status(401).json({ error: 'unauthorized' });
      return;
    }
    next();
  };
}

/**
 * `collections import` run against an embedded store that this server owns: the CLI may not open the
 * store beside the server, so it hands the import over. Only from this host (a loopback or this
 * server's own address) and with the lock file's token: whoever can read that file can read the store.
 * The folder is read by the server, which is why the caller must be on the same host.
 */
export function createLocalImportRouter(options: LocalImportOptions): Router {
  const router = express.Router();
  router.post(
    LOCAL_IMPORT_PATH,
    localCallersOnly(options.token),
    express.json({ limit: '16kb' }),
    async (request, response) => {
      const parsed = requestSchema.safeParse(request.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        response.status(422).json({
          error: 'invalid_request',
          field: String(issue?.path[0] ?? ''),
          message: issue?.message ?? 'invalid request',
        });
        return;
      }
      const { dir, tenant } = parsed.data;
      if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
        response
          .status(422)
          .json({ error: 'invalid_request', field: 'dir', message: `${dir} is not a folder` });
        return;
      }
      response.status(200).type('application/x-ndjson');
      const send = (line: LocalImportLine) => response.write(`${JSON.stringify(line)}\n`);
      let sentPercent = -1;
      try {
        const result = await importBook(options.store, options.readDataset(dir), {
          tenant,
          today: options.today(),
          onProgress: (event) => {
            const percent = Math.floor((100 * event.bytesRead) / Math.max(1, event.bytesTotal));
            if (percent === sentPercent) return;
            sentPercent = percent;
            send({
              type: 'progress',
              file: event.file,
              bytesRead: event.bytesRead,
              bytesTotal: event.bytesTotal,
            });
          },
        });
        options.logger.info(
          {
            tenant,
            ok: result.ok,
            ...(result.ok ? { rows: result.rows } : { problems: result.problemCount }),
          },
          'dataset import handed over by the CLI',
        );
        if (result.ok) options.onImported?.(tenant);
        send({ type: 'result', result });
      } catch (error) {
        options.logger.error({ err: error, tenant }, 'dataset import handed over by the CLI failed');
        send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
      }
      response.end();
    },
  );
  return router;
}
