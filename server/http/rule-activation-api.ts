import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { CalendarDate } from '../../src/domain/dates';
import type { TenantId } from '../../src/domain/model';
import type { RiskTiers } from '../../src/domain/risk/risk-model';
import type { CollectionsStore } from '../../src/ports/store';
import {
  activateRuleSet,
  loadActiveRuleSet,
  previewRuleSetActivation,
} from '../../src/use-cases/rule-set-activation';
import { issuePreviewToken, previewTokenMatches } from './activation-tokens';
import { badInput, proposalFields, proposalOrFail } from './api-answers';
import { fail } from './api-errors';
import { nextTurn } from './simulations-api';

export type RuleActivationRouteOptions = {
  store: CollectionsStore;
  context: (response: Response) => { tenant: TenantId; user: string };
  requireRevops: (request: Request, response: Response, next: NextFunction) => void;
  today: () => CalendarDate;
  now: () => number;
  /** Signs preview tokens (`previewTokenKey`). */
  previewKey: Buffer;
  riskTiers?: RiskTiers;
};

const note = z.string().max(500).optional();
export const preview = z.object(proposalFields).strict();
export const activation = z
  .object({ ...proposalFields, note, previewToken: z.string().max(200).optional() })
  .strict();
export const rollback = z
  .object({
    version: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1),
    note,
  })
  .strict();

function noteRequired(response: Response): void {
  fail(
    response,
    { code: 'note_required', path: 'note', message: 'say why the rules change: a note is required' },
    422,
  );
}

function confirmationRequired(response: Response, why: string): void {
  fail(
    response,
    {
      code: 'confirmation_required',
      path: 'previewToken',
      message: `${why}: preview the activation (POST /api/v1/rules/activation-preview) and confirm it`,
    },
    428,
  );
}

/**
 * Changing the rules safely: a preview of the proposal's simulated impact against the active version
 * (over the last 90 days) whose token the activation must carry, a note with every change, no version
 * identical to the active one, and rollbacks to any version, the default playbook (0) included.
 */
export function createRuleActivationRouter(options: RuleActivationRouteOptions): Router {
  const router = express.Router();
  router.post('/rules/activation-preview', async (request, response) => {
    const parsed = preview.safeParse(request.body);
    if (!parsed.success) return badInput(response, parsed.error);
    const proposal = proposalOrFail(response, parsed.data);
    if (proposal === undefined) return;
    const { tenant } = options.context(response);
    const result = await previewRuleSetActivation(options.store, tenant, proposal.ruleSet, options.today(), {
      ...(options.riskTiers === undefined ? {} : { riskTiers: options.riskTiers }),
      yieldControl: nextTurn,
    });
    const token = issuePreviewToken(
      options.previewKey,
      {
        tenant,
        proposal: proposal.ruleSet,
        against: { version: result.active.version, activatedAt: result.active.activatedAt },
      },
      options.now(),
    );
    response.json({ ok: true, preview: { token, ...result.preview } });
  });

  router.post('/rules/activate', options.requireRevops, async (request, response) => {
    const parsed = activation.safeParse(request.body);
    if (!parsed.success) return badInput(response, parsed.error);
    if ((parsed.data.note ?? '').trim() === '') return noteRequired(response);
    const proposal = proposalOrFail(response, parsed.data);
    if (proposal === undefined) return;
    const { tenant, user } = options.context(response);
    const active = await loadActiveRuleSet(options.store, tenant);
    const token = parsed.data.previewToken;
    const previewed =
      token !== undefined &&
      previewTokenMatches(
        options.previewKey,
        token,
        {
          tenant,
          proposal: proposal.ruleSet,
          against: { version: active.version.version, activatedAt: active.version.activatedAt },
        },
        options.now(),
      );
    const outcome = await activateRuleSet(options.store, tenant, proposal, user, parsed.data.note ?? '', {
      ifActiveVersion: active.version.version,
      confirmed: previewed,
    });
    switch (outcome.outcome) {
      case 'note_required':
        return noteRequired(response);
      case 'identical_to_active':
        return fail(
          response,
          {
            code: 'identical_to_active',
            message: `the proposal is the same rule set as the active version ${outcome.active}: nothing to activate`,
          },
          409,
        );
      case 'active_changed':
        return confirmationRequired(response, `version ${outcome.active} became active after the preview`);
      case 'not_confirmed':
        return confirmationRequired(
          response,
          token === undefined
            ? 'no preview token'
            : 'the preview token is not for this proposal against the active version (or is over a day old)',
        );
      case 'activated':
        return response.json({ ok: true, version: outcome.version });
    }
  });

  router.post('/rules/rollback', options.requireRevops, async (request, response) => {
    const parsed = rollback.safeParse(request.body);
    if (!parsed.success) return badInput(response, parsed.error);
    const text = (parsed.data.note ?? '').trim();
    if (text === '') return noteRequired(response);
    const { tenant, user } = options.context(response);
    const version = await options.store.reactivateRuleSet(tenant, parsed.data.version, user, text);
    if (version === undefined)
      return fail(response, {
        code: 'not_found',
        path: 'version',
        message: `unknown version ${parsed.data.version}`,
      });
    response.json({ ok: true, version: version.version });
  });
  return router;
}
