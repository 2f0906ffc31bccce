import { isLoopbackHost } from '../src/config/demo-mode';

/** Where a person opens the workspace: `localhost` for a loopback or every-interface bind, else the public URL. */
export function workspaceUrl(host: string, port: number, publicBaseUrl: string): string {
  const everyInterface = host === '0.0.0.0' || host === '::' || host === '[::]';
  if (everyInterface || isLoopbackHost(host)) return `http://localhost:${port}/`;
  return `${publicBaseUrl.replace(/\/+$/, '')}/`;
}

export type DemoOutcome =
  | { state: 'loaded' }
  | { state: 'failed'; error: string }
  /** No demo data was asked for (credentials configured, or the store already holds a book). */
  | { state: 'none' };

/** The one line `npm start` prints on standard output once the server answers with its data in place. */
export function readyLine(url: string, demo: DemoOutcome): string {
  switch (demo.state) {
    case 'loaded':
      return `ready: ${url} (demo data loaded)`;
    case 'failed':
      return `ready: ${url} (the demo data could not be loaded: ${demo.error}; see ${url}healthz)`;
    case 'none':
      return `ready: ${url}`;
  }
}
