import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { TenantId } from '../../src/domain/model';
import { DEFAULT_GUARDRAILS } from '../../src/domain/terms/default-guardrails';
import { validateGuardrails } from '../../src/domain/terms/guardrails';
import type { CollectionsStore } from '../../src/ports/store';
import { fail } from './api-errors';

export type GuardrailRouteOptions = {
  store: CollectionsStore;
  context: (response: Response) => { tenant: TenantId; user: string };
  requireRevops: (request: Request, response: Response, next: NextFunction) => void;
};

export const guardrailsProposal = z.object({
  guardrails: z.unknown(),
  note: z.string().trim().min(1).max(500).optional(),
});
export const rollback = z.object({
  version: z.number().int().min(1),
  note: z.string().trim().min(1).max(500),
});

/** Bad guardrails: 422 naming the field. */
function unprocessable(response: Response, path: string, message: string, extra: object = {}): void {
  fail(response, { code: 'invalid_request', path, message }, 422, extra);
}

/** The settings page's term guardrails: read, validate, activate and roll back (RevOps). */
export function createTermGuardrailsRouter(options: GuardrailRouteOptions): Router {
  const router = express.Router();

  router.get('/terms/guardrails', async (_request, response) => {
    const { tenant } = options.context(response);
    const [active, versions] = await Promise.all([
      options.store.getActiveTermGuardrails(tenant),
      options.store.listTermGuardrailVersions(tenant),
    ]);
    response.json({
      ok: true,
      active:
        active === undefined
          ? null
          : { version: active.version, guardrails: active.body, createdBy: active.createdBy },
      default: DEFAULT_GUARDRAILS,
      versions: versions.map(({ body: _body, ...rest }) => rest),
    });
  });

  const validated = (request: Request, response: Response) => {
    const parsed = guardrailsProposal.safeParse(request.body);
    if (!parsed.success) return void unprocessable(response, 'guardrails', 'expected { guardrails, note? }');
    const result = validateGuardrails(parsed.data.guardrails);
    if (!result.ok) {
      const first = result.problems[0];
      return void unprocessable(response, `guardrails.${first?.path ?? ''}`, first?.message ?? 'invalid', {
        problems: result.problems,
      });
    }
    return { guardrails: result.guardrails, note: parsed.data.note ?? '' };
  };

  router.post('/terms/guardrails/validate', (request, response) => {
    const input = validated(request, response);
    if (input !== undefined)
      response.json({ ok: true, policies: input.guardrails.policies.map((policy) => policy.id) });
  });

  router.post('/terms/guardrails/activate', options.requireRevops, async (request, response) => {
    const input = validated(request, response);
    if (input === undefined) return;
    const { tenant, user } = options.context(response);
    const stored = await options.store.activateNewTermGuardrails(tenant, input.guardrails, user, input.note);
    response.json({ ok: true, version: stored.version });
  });

  router.post('/terms/guardrails/rollback', options.requireRevops, async (request, response) => {
    const parsed = rollback.safeParse(request.body);
    if (!parsed.success)
      return unprocessable(
        response,
        parsed.error.issues[0]?.path.join('.') ?? '',
        parsed.error.issues[0]?.message ?? 'invalid',
      );
    const { tenant, user } = options.context(response);
    const version = await options.store.reactivateTermGuardrails(
      tenant,
      parsed.data.version,
      user,
      parsed.data.note,
    );
    if (version === undefined)
      return unprocessable(response, 'version', `unknown version ${parsed.data.version}`);
    response.json({ ok: true, version: version.version });
  });
  return router;
}
