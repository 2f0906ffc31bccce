import { request as httpRequest, type IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { TenantId } from '../../src/domain/model';
import type { ImportResult } from '../../src/use-cases/import-dataset';
import { LOCAL_IMPORT_PATH, type LocalImportLine } from '../http/local-routes';
import { UsageError, type StoreServer } from './shared';

const lineSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('progress'),
    file: z.string(),
    bytesRead: z.number(),
    bytesTotal: z.number(),
  }),
  z.object({
    type: z.literal('result'),
    result: z.custom<ImportResult>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { ok?: unknown }).ok === 'boolean' &&
        typeof (value as { tenant?: unknown }).tenant === 'string',
    ),
  }),
  z.object({ type: z.literal('error'), message: z.string() }),
]) satisfies z.ZodType<LocalImportLine>;

/** A server still starting answers 503: it is asked again, once a second, this many times. */
const STARTING_RETRIES = 60;

function post(server: StoreServer, body: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      new URL(LOCAL_IMPORT_PATH, server.url),
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${server.token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        response.setEncoding('utf8');
        resolve(response);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function readAll(response: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of response) text += String(chunk);
  return text;
}

async function postWhenReady(server: StoreServer, body: string): Promise<IncomingMessage> {
  for (let attempt = 0; ; attempt += 1) {
    let response: IncomingMessage;
    try {
      response = await post(server, body);
    } catch (error) {
      throw new UsageError(
        `the store is owned by the server process ${server.pid}, which does not answer at ${server.url} ` +
          `(${(error as Error).message}); nothing was written`,
      );
    }
    if (response.statusCode !== 503 || attempt >= STARTING_RETRIES) return response;
    await readAll(response);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/**
 * Hands `collections import` to the server that owns the embedded store (the CLI may not open it
 * beside the server): the server reads the folder, imports it all or nothing and refits the risk model.
 */
export async function importThroughServer(
  server: StoreServer,
  dir: string,
  tenant: TenantId,
  onProgress: (bytesRead: number, bytesTotal: number, file: string) => void,
): Promise<ImportResult> {
  const response = await postWhenReady(server, JSON.stringify({ dir, tenant }));
  if (response.statusCode !== 200) {
    const text = await readAll(response);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const answer = z.object({ message: z.string() }).safeParse(body);
    const reason = answer.success ? answer.data.message : text.slice(0, 200);
    if (response.statusCode === 422) throw new UsageError(reason);
    throw new Error(
      `the server process ${server.pid} at ${server.url} refused the import (HTTP ${response.statusCode}: ${reason})`,
    );
  }
  let pending = '';
  for await (const chunk of response) {
    pending += String(chunk);
    let end = pending.indexOf('\n');
    while (end >= 0) {
      const line = lineSchema.parse(JSON.parse(pending.slice(0, end)));
      pending = pending.slice(end + 1);
      end = pending.indexOf('\n');
      if (line.type === 'progress') onProgress(line.bytesRead, line.bytesTotal, line.file);
      else if (line.type === 'result') return line.result;
      else throw new Error(`the server process ${server.pid} failed the import: ${line.message}`);
    }
  }
  throw new Error(
    `the server process ${server.pid} stopped answering before the import finished (it is all or nothing: ` +
      'check `collections tenants` once the server has stopped)',
  );
}
