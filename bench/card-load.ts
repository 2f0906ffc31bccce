/**
 * The load side of the card benchmark, in its own process so it does not share the server's event
 * loop: autocannon with CONNECTIONS keep-alive connections on loopback, each request for a random
 * company of the list and signed like hubspot.fetch. Bounded by a request count and a duration.
 * Prints one JSON line: requests/s and latency percentiles from every response's time.
 */
import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';
import { hubspotSignatureV3, hubspotSignedUri } from '../server/http/signed-request';

type LoadInput = {
  port: number;
  secret: string;
  publicBase: string;
  portal: string;
  companies: string[];
  connections: number;
  amount: number;
  maxSeconds: number;
};

function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))] ?? 0;
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: card-load <input.json>');
  const input = JSON.parse(await readFile(file, 'utf8')) as LoadInput;
  let pick = 0;
  const signedPath = () => {
    // A fixed stride through the list: every connection asks for a different company.
    pick = (pick + 7919) % input.companies.length;
    const path = `/api/v1/companies/${input.companies[pick] ?? ''}/collections?portalId=${input.portal}&userEmail=csm%40example.com`;
    const timestamp = String(Date.now());
    return {
      path,
      headers: {
        'X-HubSpot-Signature-v3': hubspotSignatureV3(
          input.secret,
          'GET',
          hubspotSignedUri(`${input.publicBase}${path}`),
          '',
          timestamp,
        ),
        'X-HubSpot-Request-Timestamp': timestamp,
      },
    };
  };
  const latencies: number[] = [];
  let non2xx = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${input.port}`,
        connections: input.connections,
        amount: input.amount,
        duration: input.maxSeconds,
        timeout: 30,
        requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, ...signedPath() }) }],
      },
      (error, finished) => (error ? reject(error as Error) : resolve(finished)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      if (statusCode < 200 || statusCode >= 300) non2xx += 1;
    });
  });
  latencies.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      tool: 'autocannon',
      connections: input.connections,
      requests: latencies.length,
      errors: result.errors + result.timeouts + non2xx,
      seconds: result.duration,
      requestsPerSecond: latencies.length / result.duration,
      latencyMs: {
        p50: percentile(latencies, 0.5),
        p95: percentile(latencies, 0.95),
        p99: percentile(latencies, 0.99),
        max: latencies[latencies.length - 1] ?? 0,
      },
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
