import { createServer, type RequestListener, type Server } from 'node:http';
import { isIP } from 'node:net';

export type BoundPort = {
  readonly server: Server;
  /** The port bound (the one asked for, or the one the system chose for 0). */
  readonly port: number;
  /** Where a process on this host reaches the server (loopback when it listens on every interface). */
  readonly localUrl: string;
  /** Hands every later request to `listener`; until then each one is answered 503 "starting". */
  serve(listener: RequestListener): void;
};

function hostForUrl(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return isIP(host) === 6 ? `[${host}]` : host;
}

/**
 * Binds the HTTP port before anything else starts, so a second process on a busy port fails at once
 * (EADDRINUSE) without having opened, locked or migrated the store.
 */
export async function bindHttpPort(port: number, host: string): Promise<BoundPort> {
  let current: RequestListener = (_request, response) => {
    response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    response.end(JSON.stringify({ status: 'starting' }));
  };
  const server = createServer((request, response) => current(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  return {
    server,
    port: boundPort,
    localUrl: `http://${hostForUrl(host)}:${boundPort}`,
    serve: (listener) => {
      current = listener;
    },
  };
}
