import { apiFailure, callApi, type ApiResult } from './client';
import type { SimulateAnswer, SimulationJob, SimulationJobAnswer } from './types';

/** The proposal as its text (`source`, preferred) or parsed (`ruleSet`), and what it is compared with. */
export type SimulationBody = ({ source: string } | { ruleSet: unknown }) & {
  against?: unknown;
  from: string;
  to: string;
};

export type SimulationOptions = {
  /** Accounts replayed so far, while the server runs the simulation as a job. */
  onProgress?: (accounts: SimulationJob['accounts']) => void;
  pollMs?: number;
  /** Polls before giving up (with the default interval, about half an hour). */
  maxPolls?: number;
  timeoutMs?: number;
};

/** The server's answer when one request would replay too much: the same simulation runs as a job. */
const RUN_AS_JOB = new Set(['simulation_too_large', 'span_too_long']);

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Simulates in one request when the server answers it there; a longer span or a larger book runs as a
 * job on the server, polled until it is done.
 */
export async function simulateRules(
  body: SimulationBody,
  options: SimulationOptions = {},
): Promise<ApiResult<SimulateAnswer>> {
  const direct = await callApi<SimulateAnswer>({
    method: 'POST',
    path: '/rules/simulate',
    body,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  if (direct.ok || !RUN_AS_JOB.has(direct.failure.code ?? '')) return direct;
  const started = await callApi<SimulationJobAnswer>({ method: 'POST', path: '/rules/simulations', body });
  if (!started.ok) return started;
  let job = started.value.simulation;
  for (let polls = 0; ; polls += 1) {
    if (job.state === 'done')
      return {
        ok: true,
        value: {
          ok: true,
          summaries: job.summaries ?? [],
          ...(job.labels === undefined ? {} : { labels: job.labels }),
        },
      };
    if (job.state === 'failed')
      return { ok: false, failure: apiFailure(job.error ?? 'The simulation failed on the server.') };
    if (polls >= (options.maxPolls ?? 1800))
      return {
        ok: false,
        failure: apiFailure('The simulation is still running on the server. Try a shorter span.'),
      };
    options.onProgress?.(job.accounts);
    await wait(options.pollMs ?? 1000);
    const polled = await callApi<SimulationJobAnswer>({
      path: `/rules/simulations/${encodeURIComponent(job.id)}`,
    });
    if (!polled.ok) return polled;
    job = polled.value.simulation;
  }
}
